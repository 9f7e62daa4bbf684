"""Which exceptions mean "this job cannot be run here", and why."""

from __future__ import annotations

from protocol.compute.errors import InvalidJobSpec, MalformedInputs, ModelUnavailable
from protocol.errors import InvalidInput
from provider.errors import JobRefused
from provider.execution.outcome import RefusalReason

__all__ = ["refusal_of"]


def refusal_of(exc: BaseException) -> tuple[RefusalReason, str] | None:
    """The refusal ``exc`` stands for (reason, detail), or None if it is a failure
    of the run itself."""
    if isinstance(exc, JobRefused):
        return RefusalReason(exc.reason), exc.detail
    if isinstance(exc, ModelUnavailable):
        return RefusalReason.UNSUPPORTED, str(exc)
    if isinstance(exc, MalformedInputs):
        return RefusalReason.INVALID_INPUTS, str(exc)
    if isinstance(exc, InvalidJobSpec | InvalidInput):
        return RefusalReason.INVALID_SPEC, str(exc)
    return None
