"""Market data: prices, supply, demand, history."""

from __future__ import annotations

from typing import Annotated

import numpy as np
from fastapi import APIRouter, Path, Query

from matcher.api.dependencies import Service
from matcher.api.errors import ERROR_RESPONSES
from matcher.api.schemas import offer_view
from matcher.book.market_state import PriceSample
from matcher.book.offer import Offer
from matcher.service import MatcherService
from protocol.wire.matcher import (
    HistoryPoint,
    MarketHistory,
    MarketList,
    MarketView,
    ProviderUptime,
    ResourceView,
)

router = APIRouter(prefix="/api/market", tags=["market"], responses=ERROR_RESPONSES)


def market_view(service: MatcherService, resource_id: str, now: float) -> MarketView:
    stats = service.engine.book.stats(resource_id, now)
    return MarketView(
        **dict(stats),
        unit=service.catalog.get(resource_id).unit,
        offers=[offer_view(o, service.engine) for o in cheapest_offers(service, resource_id, now)],
    )


def cheapest_offers(
    service: MatcherService, resource_id: str, now: float, limit: int = 20
) -> list[Offer]:
    """The live offers of a resource, cheapest first (for per-offer routing metadata)."""
    book = service.engine.book.book(resource_id)
    table = book.offers
    prices = table.prices(book.state.smoothed_u)
    slots = np.flatnonzero(table.live_mask(table.available(now, book.config.horizon_s)))
    if slots.size > limit:
        slots = slots[np.argpartition(prices[slots], limit)[:limit]]
    slots = slots[np.lexsort((table.seq[slots], prices[slots]))]
    return [table.offer(int(s)) for s in slots]


@router.get("", summary="Current price, supply, demand and utilization per resource")
async def get_market(
    service: Service,
    resource: Annotated[str | None, Query(max_length=64)] = None,
) -> MarketList:
    now = service.now()
    ids = [service.catalog.get(resource).id] if resource is not None else service.catalog.ids()
    return MarketList(at=now, markets=[market_view(service, r, now) for r in ids])


@router.get("/resources", summary="The resources traded here")
async def get_resources(service: Service) -> list[ResourceView]:
    return [ResourceView(id=r.id, unit=r.unit, description=r.description) for r in service.catalog]


def bucketize(samples: list[PriceSample], bucket_s: int) -> list[HistoryPoint]:
    points: list[HistoryPoint] = []
    current: list[int] = []
    start = 0.0
    for sample in samples:
        t = sample.at - sample.at % bucket_s
        if current and t != start:
            points.append(_point(start, current))
            current = []
        start = t
        current.append(sample.price_wei)
    if current:
        points.append(_point(start, current))
    return points


def _point(t: float, prices: list[int]) -> HistoryPoint:
    return HistoryPoint(
        t=t,
        average_price_wei=sum(prices) // len(prices),
        min_price_wei=min(prices),
        max_price_wei=max(prices),
        samples=len(prices),
    )


@router.get("/history", summary="Price history for charts (up to 24 h)")
async def get_history(
    service: Service,
    resource: Annotated[str, Query(min_length=1, max_length=64)],
    since: Annotated[float, Query(ge=0, le=1e11)] = 0.0,
    bucket_s: Annotated[int, Query(ge=10, le=86_400)] = 300,
) -> MarketHistory:
    book = service.engine.book.book(resource)
    samples = [s for s in book.state.samples if s.at >= since]
    return MarketHistory(resource=resource, bucket_s=bucket_s, points=bucketize(samples, bucket_s))


@router.get(
    "/providers/{address}/uptime",
    summary="A provider's heartbeat uptime: seconds covered by a live offer, per hour",
)
async def get_provider_uptime(
    service: Service,
    address: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{40}$")],
) -> ProviderUptime:
    now = service.now()
    ledger = service.engine.uptime
    return ProviderUptime(
        provider=address.lower(),
        at=now,
        bucket_s=ledger.bucket_s,
        window_s=ledger.keep_s,
        samples=ledger.samples(address, now),
    )
