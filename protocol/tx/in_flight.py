"""The transactions a process broadcast and has not seen mined, bounded.

An interrupted CLI names them ("it was sent and may still be mined"). A long-running
process that broadcasts without waiting (pipelined sends) or whose waits time out would
otherwise keep every such hash for ever: a hash is forgotten once seen mined, once older
than ``max_age`` seconds, or, past ``max_size`` hashes, oldest first. A hash that is
being waited for is marked again (``add``) so it stays the newest while the wait lasts.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["IN_FLIGHT_MAX_AGE", "IN_FLIGHT_MAX_SIZE", "InFlight"]

IN_FLIGHT_MAX_AGE = 3600.0  # seconds: a transaction not mined within an hour is not "in flight"
IN_FLIGHT_MAX_SIZE = 1024


class InFlight:
    """Thread-safe hash -> when it was (last) marked, oldest first."""

    def __init__(
        self,
        *,
        max_age: float = IN_FLIGHT_MAX_AGE,
        max_size: int = IN_FLIGHT_MAX_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_age <= 0 or max_size < 1:
            raise ValueError(f"in-flight bounds must be positive, got {max_age=} {max_size=}")
        self.max_age = max_age
        self.max_size = max_size
        self._clock = clock
        self._since: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, tx_hash: str) -> None:
        """Mark ``tx_hash`` in flight as of now (the newest), dropping what is past bounds."""
        with self._lock:
            now = self._clock()
            self._since.pop(tx_hash, None)
            self._since[tx_hash] = now
            self._expire(now)
            while len(self._since) > self.max_size:
                self._since.popitem(last=False)

    def discard(self, tx_hash: str) -> None:
        """Forget ``tx_hash`` (it was mined)."""
        with self._lock:
            self._since.pop(tx_hash, None)

    def hashes(self) -> list[str]:
        """The hashes still in flight, sorted."""
        with self._lock:
            self._expire(self._clock())
            return sorted(self._since)

    def clear(self) -> None:
        with self._lock:
            self._since.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._since)

    def _expire(self, now: float) -> None:
        while self._since:
            oldest, since = next(iter(self._since.items()))
            if now - since <= self.max_age:
                return
            del self._since[oldest]
