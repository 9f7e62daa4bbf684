"""Read models the roles return: job state, balances, stake. Plain data, JSON-ready."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_serializer

from protocol.typed_data import JobStatus

__all__ = ["AwaitingPayout", "Balances", "JobState", "ProviderStatus"]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class JobState(_View):
    """A job's on-chain slot. ``paid_out``: a release's money was credited by payOut."""

    job_id: bytes
    status: int
    delivered_at: int
    units: int
    paid_out: bool = False
    committed_result: bytes

    @property
    def status_name(self) -> str:
        return JobStatus(self.status).label

    @property
    def exists(self) -> bool:
        return self.status != JobStatus.NONE

    @field_serializer("job_id", "committed_result")
    def _hex(self, value: bytes) -> str:
        return "0x" + value.hex()


class Balances(_View):
    """What an account holds, in wei."""

    address: str
    eth: int
    credits: int
    claimable: int


class ProviderStatus(_View):
    """A provider's stake by state, and what it has earned and not yet claimed.

    ``claimable`` and ``free`` count only paid-out jobs: a job settled as a release keeps its
    pay and collateral in escrow until payOut (see ``AwaitingPayout``).
    """

    address: str
    free: int
    locked: int
    unbonding: int
    unbonding_ready_at: int
    claimable: int
    credits: int

    @property
    def total_stake(self) -> int:
        return self.free + self.locked + self.unbonding


class AwaitingPayout(_View):
    """A provider's jobs settled as a release whose money payOut has not moved yet, and
    what payOut will credit the provider (after fee and burn) and the jobs' consumers.
    Their collateral stays locked until then too."""

    provider: str
    jobs: tuple[bytes, ...]
    provider_pay: int
    consumer_refund: int

    @field_serializer("jobs")
    def _hex_jobs(self, value: tuple[bytes, ...]) -> list[str]:
        return ["0x" + job.hex() for job in value]
