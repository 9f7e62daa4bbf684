"""One trade between a buy order and an offer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fill:
    fill_id: str
    order_id: str
    offer_id: str
    consumer: str
    provider: str
    resource: str
    units: int
    price_per_unit_wei: int
    at: float
    # When the provider's backlog, this job included, is worked off at its capacity.
    done_by: float

    @property
    def cost_wei(self) -> int:
        return self.units * self.price_per_unit_wei
