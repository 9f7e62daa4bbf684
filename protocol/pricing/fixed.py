"""A fixed price per unit."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from protocol.pricing.curve import PriceCurve
from protocol.pricing.limits import MAX_PRICE_PER_UNIT_WEI
from protocol.wire_ints import WireUint


class FixedPricing(BaseModel):
    """Always `price_wei`, whatever the market does."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["fixed"] = "fixed"
    price_wei: WireUint = Field(gt=0, le=MAX_PRICE_PER_UNIT_WEI)

    def curve(self) -> PriceCurve:
        return PriceCurve(base=float(self.price_wei))

    def price_wei_at(self, u: float) -> int:
        """Exact: a fixed price never goes through a float."""
        del u
        return self.price_wei
