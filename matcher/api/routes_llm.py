"""LLM resources on the dashboard: what each LLM provider reports about its offer, and
the per-model view (price per 1k tokens, tokens/s supply and demand, open sessions,
tokens served by provider).

    PUT /api/market/offers/{offer_id}/llm-metrics   signed by the offer's owner
    GET /api/dashboard/llm                          every token-priced resource (no auth)

Metrics are a live gauge, kept in memory: a restarted matcher shows the registered
capacity as supply until each provider's next heartbeat reports again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from matcher.api.dependencies import Service, SignedBy
from matcher.api.errors import ERROR_RESPONSES
from matcher.dashboard.llm_view import TOKEN_UNIT, llm_market
from matcher.dashboard.models import LLMMarketView
from matcher.dashboard.offer_load import offer_loads
from matcher.errors import InvalidField, NotOwner
from matcher.service import MatcherService
from protocol.wire.llm_metrics import LLMOfferMetrics

router = APIRouter(tags=["llm"], responses=ERROR_RESPONSES)
OfferId = Annotated[str, Path(min_length=1, max_length=64)]
MAX_REPORTING_OFFERS = 1000


def _metrics(request: Request) -> dict[str, LLMOfferMetrics]:
    store: dict[str, LLMOfferMetrics] | None = getattr(request.app.state, "llm_metrics", None)
    if store is None:
        store = request.app.state.llm_metrics = {}
    return store


@router.put(
    "/api/market/offers/{offer_id}/llm-metrics",
    summary="An LLM provider reports its offer's tokens/s, sessions and tokens served",
)
async def put_llm_metrics(
    offer_id: OfferId,
    body: LLMOfferMetrics,
    request: Request,
    service: Service,
    signer: SignedBy,
) -> LLMOfferMetrics:
    offer = service.engine.book.offer(offer_id)
    if offer.owner.lower() != signer.address.lower():
        raise NotOwner(f"offer {offer_id} belongs to {offer.owner}, not {signer.address}")
    unit = service.catalog.get(offer.resource).unit
    if unit != TOKEN_UNIT:
        raise InvalidField(
            f"offer {offer_id} sells {offer.resource} per {unit}; LLM metrics are for"
            f" resources priced per {TOKEN_UNIT}",
            field="offer_id",
        )
    service.nonces.use(signer.address, signer.nonce, signer.expiry)
    store = _metrics(request)
    if len(store) >= MAX_REPORTING_OFFERS:  # forget offers that left the book
        live = {o.offer_id for o in service.engine.book.offers()}
        for gone in [k for k in store if k not in live]:
            del store[gone]
    store[offer_id] = body
    return body


def llm_views(service: MatcherService, metrics: dict[str, LLMOfferMetrics]) -> list[LLMMarketView]:
    now = service.now()
    horizon = service.settings.book.horizon_s
    views = []
    for resource in service.catalog:
        if resource.unit != TOKEN_UNIT:
            continue
        book = service.engine.book.book(resource.id)
        loads = offer_loads(book, resource.unit, now, horizon_s=horizon)
        views.append(llm_market(resource.id, loads, metrics))
    return views


@router.get(
    "/api/dashboard/llm",
    tags=["dashboard"],
    summary="LLM resources: price per 1k tokens, tokens/s supply and demand, open sessions",
)
async def get_llm(
    request: Request,
    service: Service,
    resource: Annotated[str | None, Query(max_length=64)] = None,
) -> list[LLMMarketView]:
    if resource is not None:
        service.catalog.get(resource)
    views = llm_views(service, _metrics(request))
    return [v for v in views if resource is None or v.resource == resource]
