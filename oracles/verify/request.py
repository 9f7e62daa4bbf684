"""Everything a verifier needs to judge one delivered job, with no I/O left to do."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from protocol.typed_data import Domain, JobTerms, Receipt

__all__ = ["TimingPolicy", "VerificationRequest"]


class TimingPolicy(BaseModel):
    """How much a receipt's clock and speed may differ from what the chain and the
    provider's registration say before it counts as a lie."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Real runs beat the registered benchmark a little (boost clocks, warm caches).
    throughput_slack: float = Field(default=1.5, ge=1.0)
    # Provider clocks and block timestamps disagree by seconds, not minutes.
    clock_skew_seconds: int = Field(default=30, ge=0)


class VerificationRequest(BaseModel):
    """A delivered job: its terms and spec, the provider's signed receipt, the
    fetched result bytes (already checked against ``receipt.result_hash``), the
    input file where the kind has one, and the verifier's secret randomness."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    domain: Domain
    terms: JobTerms
    spec: dict[str, Any]
    receipt: Receipt
    signature: bytes
    result: bytes
    inputs: bytes | None = None
    # A container job's image archive: where its chunked manifest is (fetched only if
    # the task is sampled for a re-run and the engine lacks the image).
    image_url: str | None = None
    # The provider's registered throughput for this job kind, in units per second.
    units_per_second: float = Field(gt=0)
    # Block timestamp of the job's accept (the run cannot start before it).
    accepted_at: int = Field(ge=0)
    # Secret to this oracle: seeds Freivalds vectors and embedding samples so the
    # provider cannot predict them when it commits (oracles.verify.randomness).
    secret: bytes = Field(min_length=16)
    timing: TimingPolicy = TimingPolicy()
