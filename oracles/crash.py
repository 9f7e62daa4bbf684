"""Test-only crash points: GPUC_ORACLE_CRASH_AT=<point> kills the process there.

The fault tests start an oracle with this variable set and check that after a
restart the job still settles exactly once. The kill is SIGKILL to the process
itself: no cleanup, no flush of buffers, no atexit, just as `kill -9` from outside.
Unset (the normal case) every call is a dictionary lookup and nothing else.
"""

from __future__ import annotations

import os
import signal

__all__ = ["CRASH_ENV", "CRASH_POINTS", "crash_point"]

CRASH_ENV = "GPUC_ORACLE_CRASH_AT"
CRASH_POINTS = (
    "after_verdict_signed",  # verdict signed and stored, not yet sent to peers
    "after_sign",  # settlement transaction signed and stored, not yet broadcast
    "after_broadcast",  # broadcast, receipt not yet looked up
    "before_receipt",  # mined, the receipt found but not yet recorded
)


def crash_point(name: str) -> None:
    if os.environ.get(CRASH_ENV) != name:
        return
    os.kill(os.getpid(), signal.SIGKILL)
    os._exit(137)  # pragma: no cover - SIGKILL does not return
