"""Where the gateway learns which providers sell which model.

- :class:`MatcherOfferSource`: the matcher's book. Every standing offer that carries
  an LLM listing (protocol.wire.llm_offer) names the provider's serving endpoint;
  the offer's price and the provider's reputation come with it. Each endpoint is
  then asked for its ``/llm/offer`` (timing the round trip): it must answer as the
  offer's owner for the offer's model, else the offer is left out.
- :class:`ProviderUrlSource`: an explicit list of provider URLs (tests, or a consumer
  who knows whom to buy from); no reputation is known, so those offers carry the
  newcomer prior.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from typing import Any, Protocol

import httpx
from pydantic import TypeAdapter, ValidationError

from gpuc.errors import GpucError
from gpuc.gateway.offers import ProviderOffer
from protocol.llm.wire import MAX_JSON_DEPTH, json_depth
from protocol.wire.llm_offer import ListedLLMOffer, price_per_token

# Seconds between the gateway's re-reads of the book's LLM offers.
DEFAULT_REFRESH_S = 10.0

__all__ = ["MatcherOfferSource", "OfferSource", "OfferSourceError", "ProviderUrlSource"]

PROBE_TIMEOUT_S = 5.0
MAX_OFFER_LIST_BYTES = 8 * 1024 * 1024
MAX_PROBE_BYTES = 64 * 1024
_LISTED = TypeAdapter(list[ListedLLMOffer])


class OfferSourceError(GpucError):
    """The offers could not be read (the matcher is down or answered nonsense)."""


class OfferSource(Protocol):
    async def offers(self, client: httpx.AsyncClient) -> list[ProviderOffer]: ...


def _bounded_json(response: httpx.Response, limit: int, what: str) -> Any:
    body = response.content
    if len(body) > limit:
        raise ValueError(f"{what}: {len(body)} bytes; at most {limit}")
    if json_depth(body) > MAX_JSON_DEPTH:
        raise ValueError(f"{what}: JSON nested deeper than {MAX_JSON_DEPTH}")
    return json.loads(body)


async def _probe(client: httpx.AsyncClient, url: str) -> tuple[dict[str, Any], float]:
    """The provider's ``/llm/offer`` answer and the round trip it took."""
    started = time.perf_counter()
    response = await client.get(f"{url}/llm/offer", timeout=PROBE_TIMEOUT_S)
    response.raise_for_status()
    body = _bounded_json(response, MAX_PROBE_BYTES, f"{url}/llm/offer")
    if not isinstance(body, dict):
        raise ValueError(f"{url}/llm/offer: not a JSON object")
    return body, time.perf_counter() - started


class ProviderUrlSource:
    """Providers named by URL; each describes itself at ``/llm/offer``."""

    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = [u.rstrip("/") for u in urls]

    async def offers(self, client: httpx.AsyncClient) -> list[ProviderOffer]:
        async def one(url: str) -> ProviderOffer | None:
            try:
                body, latency = await _probe(client, url)
                return ProviderOffer(
                    url=url,
                    provider=str(body["provider"]),
                    model=str(body["model"]),
                    price_per_token=int(body["price_per_token"]),
                    latency_s=latency,
                )
            except (httpx.HTTPError, KeyError, TypeError, ValueError):
                return None  # unreachable or malformed: not offered this round

        found = await asyncio.gather(*(one(u) for u in self.urls))
        return [o for o in found if o is not None]


class MatcherOfferSource:
    """LLM offers from the matcher's book (``GET /api/market/offers``)."""

    def __init__(self, matcher_url: str, limit: int = 1000) -> None:
        self.matcher_url = matcher_url.rstrip("/")
        self.limit = limit

    async def listed(self, client: httpx.AsyncClient) -> list[ListedLLMOffer]:
        url = f"{self.matcher_url}/api/market/offers"
        try:
            response = await client.get(url, params={"limit": self.limit}, timeout=PROBE_TIMEOUT_S)
            response.raise_for_status()
            return [
                o
                for o in _LISTED.validate_python(_bounded_json(response, MAX_OFFER_LIST_BYTES, url))
                if o.llm is not None
            ]
        except httpx.HTTPError as exc:
            raise OfferSourceError(f"cannot read the offers at {url}: {exc}") from None
        except (ValidationError, ValueError) as exc:
            raise OfferSourceError(
                f"the offers at {url} are not what was expected: {exc}"
            ) from None

    async def offers(self, client: httpx.AsyncClient) -> list[ProviderOffer]:
        listed = await self.listed(client)

        async def one(offer: ListedLLMOffer) -> ProviderOffer | None:
            assert offer.llm is not None
            url = offer.llm.endpoint
            try:
                body, latency = await _probe(client, url)
                if str(body["provider"]).lower() != offer.owner.lower():
                    return None  # the endpoint serves someone else: not this offer's
                if body["model"] != offer.resource:
                    return None
                # Open at the book's price, or the provider's own if it moved up since.
                per_token = max(price_per_token(offer.price_wei), int(body["price_per_token"]))
            except (httpx.HTTPError, KeyError, TypeError, ValueError):
                return None
            reputation = offer.routing.reputation
            return ProviderOffer(
                url=url,
                provider=offer.owner,
                model=offer.resource,
                price_per_token=per_token,
                latency_s=latency,
                price_per_1k_wei=offer.price_wei,
                score=reputation.score,
                failure_probability=reputation.failure_probability,
                provisional=reputation.provisional,
                quantization=offer.llm.quantization,
                offer_id=offer.offer_id,
            )

        found = await asyncio.gather(*(one(o) for o in listed))
        # One provider may list the same endpoint twice (re-registered): keep the first.
        unique: dict[str, ProviderOffer] = {}
        for offer in found:
            if offer is not None:
                unique.setdefault(offer.url, offer)
        return list(unique.values())
