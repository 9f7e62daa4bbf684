"""Which provider to ask: the book's rule (protocol.reputation.routing), pure.

Offers are ranked by the effective price the matcher's book ranks by (the price per
1k tokens adjusted by the provider's expected failure cost, weighted by the
consumer's reliability preference), ties by the latency the gateway measured to the
provider. A provider below the consumer's minimum reputation, provisional when the
consumer refuses newcomers, blocked by the consumer, or failed recently
(``banned_until[url] > now``) is never chosen.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from protocol.reputation import Candidate, RoutingPreference, rank
from protocol.reputation.score import ScoreConfig
from protocol.wire.llm_offer import price_per_1k_tokens

__all__ = ["DEFAULT_BAN_SECONDS", "PRICE_FIRST", "ProviderOffer", "rank_offers"]

DEFAULT_BAN_SECONDS = 30.0
# What an order without routing fields gets: cheapest first, everyone eligible.
PRICE_FIRST = RoutingPreference(reliability=0.0)
_PRIOR = ScoreConfig().prior


class ProviderOffer(BaseModel):
    """One provider of one model, as the gateway knows it. Offers found by URL alone
    (no matcher) carry the newcomer prior: provisional, neutral score."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    provider: str
    model: str
    price_per_token: int = Field(ge=0)  # what a session is opened at
    latency_s: float = Field(ge=0)  # the gateway's measured round trip to the provider
    price_per_1k_wei: int | None = Field(default=None, ge=0)  # the book's price, if listed
    score: float = Field(default=_PRIOR, ge=0, le=1)
    failure_probability: float = Field(default=1 - _PRIOR, ge=0, le=1)
    provisional: bool = True
    quantization: str | None = None
    offer_id: str | None = None

    @property
    def ranking_price(self) -> int:
        """Price per 1k tokens, the book's unit for LLM resources."""
        if self.price_per_1k_wei is not None:
            return self.price_per_1k_wei
        return price_per_1k_tokens(self.price_per_token)


def rank_offers(
    offers: Iterable[ProviderOffer],
    model: str,
    banned_until: dict[str, float],
    preference: RoutingPreference = PRICE_FIRST,
    now: float | None = None,
) -> list[ProviderOffer]:
    """Eligible offers for ``model``, best first (see the module text)."""
    clock = time.monotonic() if now is None else now
    by_url: dict[str, ProviderOffer] = {}
    candidates = []
    for offer in offers:
        if offer.model != model or banned_until.get(offer.url, 0.0) > clock:
            continue
        by_url[offer.url] = offer
        candidates.append(
            Candidate(
                key=offer.url,
                provider=offer.provider,
                price_wei=offer.ranking_price,
                score=offer.score,
                failure_probability=offer.failure_probability,
                provisional=offer.provisional,
                # issue #10: price, then the latency measured now (the book uses accept latency)
                accept_latency_s=offer.latency_s,
            )
        )
    return [by_url[c.key] for c in rank(candidates, preference)]
