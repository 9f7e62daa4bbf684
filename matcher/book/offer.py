"""A provider's standing offer (a limit sell)."""

from __future__ import annotations

from dataclasses import dataclass

from protocol.pricing import CostBasedPricing, FixedPricing, UtilizationSigmoidPricing
from protocol.wire.llm_offer import LLMListing

Strategy = FixedPricing | CostBasedPricing | UtilizationSigmoidPricing


@dataclass(slots=True)
class Offer:
    offer_id: str
    owner: str
    resource: str
    strategy: Strategy
    capacity_units_per_s: float
    min_job_units: int
    created_at: float
    last_heartbeat: float
    # Time priority among equal prices; renewed when the offer's terms change.
    seq: int
    slot: int = -1
    # Where an LLM offer is served and what its engine runs (token-priced resources).
    llm: LLMListing | None = None
