"""The one price formula every strategy is a special case of.

    price(u) = base + sigmoid_span * sigmoid(u - 1) + cost * utilization_factor(u)

A fixed price sets only `base`; the utilization sigmoid sets `base = p_min` and
`sigmoid_span = p_max - p_min`; the cost-based strategy sets `cost = energy + margin`.
Written with numpy ufuncs so the order book can evaluate thousands of offers at once
with the same code a provider uses for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

# sigmoid(x) = 1 / (1 + e^(-3x)), design.md section 5.
SIGMOID_STEEPNESS = 3.0

FloatArray = npt.NDArray[np.float64]
T = TypeVar("T", float, FloatArray)


def sigmoid(x: T) -> T:
    """Logistic curve centred on 0 with the design's steepness of 3."""
    return 1.0 / (1.0 + np.exp(-SIGMOID_STEEPNESS * x))  # type: ignore[no-any-return]


def utilization_factor(u: T, sensitivity: T, factor_min: T, factor_max: T) -> T:
    """Multiplier on cost: 1 at full utilization, linear in (u - 1), clamped."""
    return np.clip(1.0 + sensitivity * (u - 1.0), factor_min, factor_max)  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class PriceCurve:
    """Coefficients of the shared formula for one offer."""

    base: float = 0.0
    sigmoid_span: float = 0.0
    cost: float = 0.0
    sensitivity: float = 0.0
    factor_min: float = 1.0
    factor_max: float = 1.0

    def evaluate(self, u: float) -> float:
        """Price in wei (as a float) at smoothed utilization `u`."""
        return float(
            self.base
            + self.sigmoid_span * sigmoid(u - 1.0)
            + self.cost * utilization_factor(u, self.sensitivity, self.factor_min, self.factor_max)
        )


def evaluate_many(
    base: FloatArray,
    sigmoid_span: FloatArray,
    cost: FloatArray,
    sensitivity: FloatArray,
    factor_min: FloatArray,
    factor_max: FloatArray,
    u: float,
) -> FloatArray:
    """`PriceCurve.evaluate` for many offers at once (one array slot per offer)."""
    result: FloatArray = (
        base
        + sigmoid_span * sigmoid(u - 1.0)
        + cost * utilization_factor(np.full_like(base, u), sensitivity, factor_min, factor_max)
    )
    return result
