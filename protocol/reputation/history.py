"""What a provider's reputation is computed from: public observations only.

Every input is either an escrow event (anyone can read the chain) or a figure from the
matcher's public history (heartbeat uptime, measured from the offers endpoint). There are
no hidden inputs: given the same history anyone gets the same score.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AcceptSample",
    "DeliverySample",
    "JobOutcome",
    "OutcomeKind",
    "ProviderHistory",
    "UptimeSample",
]


class OutcomeKind(StrEnum):
    """How a job the provider was matched to ended (escrow events)."""

    SETTLED = "settled"  # JobSettled: paid for the work (verdict or undisputed window)
    SETTLED_AFTER_DISPUTE = "settled_after_dispute"  # JobDisputed, then JobSettled
    NOT_ACCEPTED = "not_accepted"  # JobRefunded(NotAccepted): matched, never accepted
    SLASHED_NON_DELIVERY = "slashed_non_delivery"  # JobSlashed(NonDelivery)
    SLASHED_FAULT = "slashed_fault"  # JobSlashed(FaultVerdict): the committee found fraud


class _Sample(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    at: float = Field(ge=0, description="unix seconds (block time for chain events)")


class JobOutcome(_Sample):
    job_id: str = Field(pattern=r"^0x[0-9a-f]{64}$")
    kind: OutcomeKind


class AcceptSample(_Sample):
    """Seconds from JobOpened to JobAccepted (both block times)."""

    latency_s: float = Field(ge=0)


class DeliverySample(_Sample):
    """When the receipt came, as a share of the run window: 0 = at the open, 1 = at the
    deadline, above 1 = late (only possible in the grace the escrow allows)."""

    window_used: float = Field(ge=0)


class UptimeSample(_Sample):
    """Share of a period the provider's offer kept its heartbeat (matcher history)."""

    uptime: float = Field(ge=0, le=1)
    period_s: float = Field(gt=0)


class ProviderHistory(BaseModel):
    """Everything known about one staked provider address."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
    staked: bool = True
    outcomes: tuple[JobOutcome, ...] = ()
    accepts: tuple[AcceptSample, ...] = ()
    deliveries: tuple[DeliverySample, ...] = ()
    uptime: tuple[UptimeSample, ...] = ()
