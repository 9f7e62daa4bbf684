"""Which provider to ask: the cheapest, then the fastest to answer. Pure."""

from __future__ import annotations

import time
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_BAN_SECONDS", "ProviderOffer", "rank_offers"]

DEFAULT_BAN_SECONDS = 30.0


class ProviderOffer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str
    provider: str
    model: str
    price_per_token: int = Field(ge=0)
    latency_s: float = Field(ge=0)


def rank_offers(
    offers: Iterable[ProviderOffer],
    model: str,
    banned_until: dict[str, float],
    now: float | None = None,
) -> list[ProviderOffer]:
    """Offers for ``model``, cheapest first, ties by measured latency; providers that
    failed recently (``banned_until[url] > now``) are left out."""
    clock = time.monotonic() if now is None else now
    usable = [o for o in offers if o.model == model and banned_until.get(o.url, 0.0) <= clock]
    return sorted(usable, key=lambda o: (o.price_per_token, o.latency_s, o.url))
