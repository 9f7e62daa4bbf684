"""The utilization sigmoid of design.md section 5 (NeuroShard)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from protocol.pricing.curve import PriceCurve
from protocol.pricing.errors import InvalidPricingParameters
from protocol.pricing.limits import MAX_PRICE_PER_UNIT_WEI
from protocol.pricing.rounding import to_wei
from protocol.wire_ints import WireUint


class UtilizationSigmoidPricing(BaseModel):
    """price = p_min + (p_max - p_min) * sigmoid(u - 1), u smoothed by an EMA."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["utilization_sigmoid"] = "utilization_sigmoid"
    p_min_wei: WireUint = Field(gt=0, le=MAX_PRICE_PER_UNIT_WEI)
    p_max_wei: WireUint = Field(gt=0, le=MAX_PRICE_PER_UNIT_WEI)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.p_min_wei > self.p_max_wei:
            raise InvalidPricingParameters(
                f"p_min_wei ({self.p_min_wei}) must not exceed p_max_wei ({self.p_max_wei})"
            )
        return self

    def curve(self) -> PriceCurve:
        return PriceCurve(
            base=float(self.p_min_wei), sigmoid_span=float(self.p_max_wei - self.p_min_wei)
        )

    def price_wei_at(self, u: float) -> int:
        return to_wei(self.curve().evaluate(u), self.p_min_wei, self.p_max_wei)
