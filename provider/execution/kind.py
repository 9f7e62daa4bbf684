"""A job kind: how to check, run, bill and clean up one kind of job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from provider.execution.job import RunContext

__all__ = ["JobKind", "no_preflight"]


def no_preflight() -> None:
    return None


@dataclass(frozen=True)
class JobKind:
    """``run`` executes in the job process and must be a module-level function
    (the spawn start method pickles it by reference). The other hooks run in the
    parent, cheaply, before or after the process."""

    name: str
    # Returns the result bytes; raises JobFailure subclasses for typed failures.
    run: Callable[[RunContext], bytes]
    # Raises protocol InvalidInput (or JobRefused) if spec or inputs are not runnable.
    validate: Callable[[dict[str, Any], bytes | None], None]
    # Billing units of a finished run (docs/protocol-types.md).
    units: Callable[[dict[str, Any], float], int]
    # Raises JobRefused if no job of this kind can run now (e.g. no container engine).
    preflight: Callable[[], None] = no_preflight
    # Apply RLIMIT_AS to the job process (off where the limit is enforced elsewhere).
    limit_address_space: bool = True
    # Called after the job process was killed, to stop what outlives it.
    after_kill: Callable[[RunContext], None] | None = None
    # Billing units read from the result itself (a container's recorded run time),
    # used instead of ``units`` when set.
    units_of_result: Callable[[dict[str, Any], bytes], int] | None = None
