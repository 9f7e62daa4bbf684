"""What a verifier concludes about one job."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from protocol.typed_data import Outcome

__all__ = ["Failure", "FailureCode", "KindCheck", "VerificationReport"]


class FailureCode(StrEnum):
    """Why a job is the provider's fault."""

    BAD_SIGNATURE = "bad_signature"  # receipt not signed by the job's provider
    WRONG_JOB = "wrong_job"  # receipt names another job id
    UNITS_ABOVE_SPEC = "units_above_spec"  # more units than the whole job is worth
    UNITS_ABOVE_BUDGET = "units_above_budget"  # more units than the budget pays for
    UNITS_ABOVE_THROUGHPUT = "units_above_throughput"  # impossible for the registered hardware
    UNITS_ABOVE_WALL_TIME = "units_above_wall_time"  # more seconds billed than the task ran
    FINISHED_BEFORE_START = "finished_before_start"
    STARTED_BEFORE_ACCEPT = "started_before_accept"
    FINISHED_AFTER_DEADLINE = "finished_after_deadline"
    MALFORMED_RESULT = "malformed_result"  # not the documented format/shape
    WRONG_RESULT = "wrong_result"  # the content check failed


class Failure(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: FailureCode
    detail: str


class KindCheck(BaseModel):
    """A kind verifier's findings about the result content."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    failures: tuple[Failure, ...] = ()
    facts: dict[str, float | int | str] = {}

    @classmethod
    def fail(
        cls, code: FailureCode, detail: str, facts: dict[str, float | int | str] | None = None
    ) -> KindCheck:
        return cls(failures=(Failure(code=code, detail=detail),), facts=facts or {})


class VerificationReport(BaseModel):
    """Every failure found (none means the receipt is honest) and the facts behind
    the decision, for logs and disputes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    job_id: bytes
    kind: str
    units: int
    failures: tuple[Failure, ...]
    facts: dict[str, float | int | str]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def outcome(self) -> int:
        """The verdict outcome to sign: Release (pay ``units``) or Fault (slash)."""
        return Outcome.RELEASE if self.passed else Outcome.FAULT

    def has(self, code: FailureCode) -> bool:
        return any(f.code == code for f in self.failures)
