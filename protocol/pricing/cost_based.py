"""Cost-based pricing: (energy_cost + margin) x utilization_factor."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from protocol.pricing.curve import PriceCurve
from protocol.pricing.errors import InvalidPricingParameters
from protocol.pricing.limits import MAX_PRICE_PER_UNIT_WEI
from protocol.pricing.rounding import to_wei
from protocol.wire_ints import WireUint


class CostBasedPricing(BaseModel):
    """Cover energy, add a margin, scale with how busy the market is.

    utilization_factor(u) = clamp(1 + sensitivity * (u - 1), factor_min, factor_max)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["cost_based"] = "cost_based"
    energy_cost_wei: WireUint = Field(ge=0, le=MAX_PRICE_PER_UNIT_WEI)
    margin_wei: WireUint = Field(ge=0, le=MAX_PRICE_PER_UNIT_WEI)
    sensitivity: float = Field(default=0.5, ge=0, le=100)
    factor_min: float = Field(default=0.5, gt=0, le=100)
    factor_max: float = Field(default=2.0, gt=0, le=100)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.energy_cost_wei + self.margin_wei == 0:
            raise InvalidPricingParameters("energy_cost_wei + margin_wei must be > 0")
        if self.factor_min > self.factor_max:
            raise InvalidPricingParameters(
                f"factor_min ({self.factor_min}) must not exceed factor_max ({self.factor_max})"
            )
        if (self.energy_cost_wei + self.margin_wei) * self.factor_max > MAX_PRICE_PER_UNIT_WEI:
            raise InvalidPricingParameters(
                f"(energy_cost_wei + margin_wei) * factor_max exceeds {MAX_PRICE_PER_UNIT_WEI}"
            )
        return self

    def curve(self) -> PriceCurve:
        return PriceCurve(
            cost=float(self.energy_cost_wei + self.margin_wei),
            sensitivity=self.sensitivity,
            factor_min=self.factor_min,
            factor_max=self.factor_max,
        )

    def price_wei_at(self, u: float) -> int:
        return to_wei(self.curve().evaluate(u), 1, MAX_PRICE_PER_UNIT_WEI)
