"""The strategies as one tagged union, as offers carry them on the wire."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from protocol.pricing.cost_based import CostBasedPricing
from protocol.pricing.fixed import FixedPricing
from protocol.pricing.utilization_sigmoid import UtilizationSigmoidPricing

PricingStrategy = Annotated[
    FixedPricing | CostBasedPricing | UtilizationSigmoidPricing, Field(discriminator="kind")
]
