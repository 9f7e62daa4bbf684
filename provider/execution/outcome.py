"""How a job ended: one typed outcome per way, never an exception."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AnyOutcome",
    "Crashed",
    "JobOutcome",
    "OutOfMemory",
    "RefusalReason",
    "Refused",
    "Succeeded",
    "TimedOut",
]


class RefusalReason(StrEnum):
    UNKNOWN_KIND = "unknown_kind"
    INVALID_SPEC = "invalid_spec"
    INVALID_INPUTS = "invalid_inputs"
    NO_CONTAINER_ENGINE = "no_container_engine"
    UNSUPPORTED = "unsupported"  # this machine lacks what the kind needs (model, library)


class _Outcome(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    job_id: bytes
    kind: str
    # Unix seconds, as the parent saw the job process start and end.
    started_at: float
    finished_at: float

    @property
    def wall_seconds(self) -> float:
        return self.finished_at - self.started_at


class Succeeded(_Outcome):
    status: Literal["succeeded"] = "succeeded"
    result: bytes = Field(repr=False)
    result_hash: bytes
    units: int = Field(ge=0)


class TimedOut(_Outcome):
    """The job overran its wall-time limit and its process group was killed."""

    status: Literal["timed_out"] = "timed_out"
    limit_seconds: float


class OutOfMemory(_Outcome):
    status: Literal["out_of_memory"] = "out_of_memory"
    limit_bytes: int
    detail: str


class Crashed(_Outcome):
    """The job raised, exited without a result, or died on a signal."""

    status: Literal["crashed"] = "crashed"
    exit_code: int | None
    detail: str


class Refused(_Outcome):
    """The job was not run (or stopped at once): the reason says why."""

    status: Literal["refused"] = "refused"
    reason: RefusalReason
    detail: str


AnyOutcome = Succeeded | TimedOut | OutOfMemory | Crashed | Refused
# For parsing an outcome back from JSON (logs, the agent's job journal).
JobOutcome = Annotated[AnyOutcome, Field(discriminator="status")]
