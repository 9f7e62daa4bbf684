"""The agent's event log: one JSON object per line (time, event, fields), flushed at once,
so an operator can tail it and tests and benchmarks can read what happened when."""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import IO, Any

__all__ = ["AgentLog", "read_agent_log"]


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class AgentLog:
    def __init__(self, stream: IO[str] | None = None) -> None:
        self._stream = stream or sys.stdout
        self._lock = threading.Lock()

    def event(self, event: str, **fields: Any) -> None:
        line = json.dumps({"t": round(time.time(), 4), "event": event, **_plain(fields)})
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()


def read_agent_log(text: str) -> list[dict[str, Any]]:
    """The events of a log (lines that are not JSON events, e.g. warnings, are skipped)."""
    events = []
    for line in text.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and "event" in item:
            events.append(item)
    return events
