"""Bounded waits: poll a check until it gives something, or fail naming what never came."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from gpuc.errors import GpucError

__all__ = ["WaitTimedOut", "wait_until"]

T = TypeVar("T")


class WaitTimedOut(GpucError, AssertionError):
    """Something awaited did not happen in time (an AssertionError too, for tests)."""


def wait_until(
    what: str, check: Callable[[], T | None], timeout: float, interval: float = 0.2
) -> T:
    """The first truthy ``check()``; WaitTimedOut after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise WaitTimedOut(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
