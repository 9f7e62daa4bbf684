"""Utilization of a resource and its exponential moving average."""

from __future__ import annotations

import math
from dataclasses import dataclass

from protocol.pricing.errors import InvalidPricingParameters

# With no supply, any demand saturates the curve; cap u so prices stay finite.
MAX_UTILIZATION = 10.0


def utilization(demand_units_per_min: float, supply_units_per_s: float) -> float:
    """u = (demand / 60) / supply, design.md section 5; 0 with no demand."""
    if demand_units_per_min < 0 or supply_units_per_s < 0:
        raise InvalidPricingParameters(
            f"demand ({demand_units_per_min}) and supply ({supply_units_per_s}) must be >= 0"
        )
    if demand_units_per_min == 0:
        return 0.0
    if supply_units_per_s == 0:
        return MAX_UTILIZATION
    return min(MAX_UTILIZATION, (demand_units_per_min / 60.0) / supply_units_per_s)


@dataclass(slots=True)
class UtilizationEma:
    """Time-weighted EMA: a sample `dt` seconds after the last moves the average by
    1 - exp(-dt / tau), so the result does not depend on how often it is sampled."""

    tau_s: float = 30.0
    value: float | None = None
    last_t: float | None = None

    def __post_init__(self) -> None:
        if not self.tau_s > 0:
            raise InvalidPricingParameters(f"EMA tau_s must be > 0, got {self.tau_s}")

    def update(self, sample: float, now: float) -> float:
        """Fold in `sample` taken at `now` (seconds) and return the new average."""
        if self.value is None or self.last_t is None:
            self.value = sample
        else:
            dt = max(0.0, now - self.last_t)
            alpha = 1.0 - math.exp(-dt / self.tau_s)
            self.value += alpha * (sample - self.value)
        self.last_t = now
        return self.value
