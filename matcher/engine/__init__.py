"""Commands and the deterministic engine that applies them (pure: no I/O)."""

from matcher.engine.commands import Command, command_adapter
from matcher.engine.engine import Applied, Engine

__all__ = ["Applied", "Command", "Engine", "command_adapter"]
