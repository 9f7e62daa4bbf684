"""Routing by effective price: the price a consumer should expect to pay once failures
are counted (pure; the matcher's ranking, the consumer's failover and the routing
benchmark all use this one rule).

A job on a provider that fails with probability p must, on average, be tried
1 / (1 - p) times, and each failure costs the consumer time it values at
``reliability_weight`` times the job's price. With preference r in [0, 1] (0 = price
only, 1 = reliability first; weight = r * MAX_RELIABILITY_WEIGHT):

    effective_price = price * (1 + weight * p / (1 - p))

Offers whose reputation is below the consumer's minimum, that are provisional when the
consumer refuses newcomers, or whose provider the consumer blocked are not eligible.
Ties go to the lower measured accept latency.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_RELIABILITY_WEIGHT",
    "Candidate",
    "RoutingPreference",
    "effective_price",
    "eligible",
    "rank",
]

MAX_RELIABILITY_WEIGHT = 10.0
_MIN_SUCCESS = 0.01  # keeps a provider that always fails finite (and last)


class RoutingPreference(BaseModel):
    """What a consumer asks of the providers its order may go to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_reputation: float = Field(default=0.0, ge=0, le=1)
    reliability: float = Field(default=0.5, ge=0, le=1)  # 0 = cheapest, 1 = most reliable
    allow_provisional: bool = True
    blocked: frozenset[str] = frozenset()  # provider addresses, any case

    @property
    def reliability_weight(self) -> float:
        return self.reliability * MAX_RELIABILITY_WEIGHT

    def is_blocked(self, provider: str) -> bool:
        return provider.lower() in {b.lower() for b in self.blocked}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One offer as the router sees it."""

    key: str  # offer id
    provider: str
    price_wei: int
    score: float
    failure_probability: float
    provisional: bool
    accept_latency_s: float | None = None


def effective_price(price_wei: float, failure_probability: float, weight: float) -> float:
    """``price_wei`` adjusted by the expected cost of failures (see the module text)."""
    p = min(max(failure_probability, 0.0), 1.0 - _MIN_SUCCESS)
    return float(price_wei) * (1.0 + weight * p / (1.0 - p))


def eligible(candidate: Candidate, preference: RoutingPreference) -> bool:
    if preference.is_blocked(candidate.provider):
        return False
    if candidate.provisional and not preference.allow_provisional:
        return False
    return candidate.score >= preference.min_reputation


def rank(
    candidates: Sequence[Candidate],
    preference: RoutingPreference,
    *,
    exclude: Collection[str] = (),
) -> list[Candidate]:
    """Eligible candidates, best first: effective price, then accept latency, then key."""
    skip = {e.lower() for e in exclude}
    weight = preference.reliability_weight

    def order(c: Candidate) -> tuple[float, float, str]:
        latency = c.accept_latency_s if c.accept_latency_s is not None else float("inf")
        return (effective_price(c.price_wei, c.failure_probability, weight), latency, c.key)

    return sorted(
        (c for c in candidates if eligible(c, preference) and c.provider.lower() not in skip),
        key=order,
    )
