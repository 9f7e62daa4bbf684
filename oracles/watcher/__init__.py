"""Follow escrow events with a confirmation depth; undo what a reorg removed."""

from oracles.watcher.events import JOB_EVENTS, TERMINAL_EVENTS, ChainEvent, EventDecoder
from oracles.watcher.follower import Watcher, WatchUpdate
from oracles.watcher.store import WatchStore

__all__ = [
    "JOB_EVENTS",
    "TERMINAL_EVENTS",
    "ChainEvent",
    "EventDecoder",
    "WatchStore",
    "WatchUpdate",
    "Watcher",
]
