"""Injected time, so heartbeat expiry and price smoothing are testable without sleeping."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Unix seconds."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to (tests, replay, benchmarks)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._t = start

    def now(self) -> float:
        return self._t

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock does not go backwards (advance by {seconds})")
        self._t += seconds

    def set(self, t: float) -> None:
        if t < self._t:
            raise ValueError(f"a clock does not go backwards ({t} < {self._t})")
        self._t = t
