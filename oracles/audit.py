"""The audit trail: one JSON object per line for every decision and its evidence.

Each line carries the time, this oracle's address, an ``event`` name and the
fields behind it (verification failures and facts, signatures, transaction
hashes). Lines are written whole and flushed at once, so a kill -9 loses at most
the line being written, and ``jq`` or any log shipper can read them.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

__all__ = ["AuditLog", "jsonable", "read_audit"]


def jsonable(value: Any) -> Any:
    """bytes -> 0x hex, models -> dicts, everything else as JSON has it."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return jsonable(dict(value))
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class AuditLog:
    """Writes audit lines to ``stream`` (stderr by default) and, if given, ``path``."""

    def __init__(
        self, node: str, *, stream: IO[str] | None = None, path: Path | None = None
    ) -> None:
        self.node = node
        self._stream = stream if stream is not None else sys.stderr
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def record(self, event: str, **fields: Any) -> None:
        line = json.dumps(
            {"ts": round(time.time(), 3), "node": self.node, "event": event, **jsonable(fields)},
            separators=(",", ":"),
            default=str,
        )
        with self._lock:
            for out in (self._stream, self._file):
                if out is not None:
                    out.write(line + "\n")
                    out.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def read_audit(path: Path) -> list[dict[str, Any]]:
    """Every audit line of a file (other lines, e.g. a server's own, are skipped)."""
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by a kill -9
        if isinstance(entry, dict) and "event" in entry:
            entries.append(entry)
    return entries
