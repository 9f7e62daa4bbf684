"""Pricing strategies a provider picks per offer.

Pure code (no I/O, no web3/fastapi/httpx/sqlalchemy): the matcher's order book and
the provider agent re-price with the same functions. Prices are GPUC wei per unit.
"""

from protocol.pricing.cost_based import CostBasedPricing
from protocol.pricing.curve import PriceCurve, sigmoid, utilization_factor
from protocol.pricing.errors import InvalidPricingParameters, PricingError
from protocol.pricing.fixed import FixedPricing
from protocol.pricing.limits import MAX_PRICE_PER_UNIT_WEI
from protocol.pricing.strategy import PricingStrategy
from protocol.pricing.utilization import UtilizationEma, utilization
from protocol.pricing.utilization_sigmoid import UtilizationSigmoidPricing

__all__ = [
    "MAX_PRICE_PER_UNIT_WEI",
    "CostBasedPricing",
    "FixedPricing",
    "InvalidPricingParameters",
    "PriceCurve",
    "PricingError",
    "PricingStrategy",
    "UtilizationEma",
    "UtilizationSigmoidPricing",
    "sigmoid",
    "utilization",
    "utilization_factor",
]
