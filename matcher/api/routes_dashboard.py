"""Read-only data for the dashboard page: book depth, provider load, the chain's view."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from matcher.api.dependencies import Service
from matcher.api.errors import ERROR_RESPONSES
from matcher.dashboard.chain_source import ChainView
from matcher.dashboard.container_view import container_result_view
from matcher.dashboard.depth import book_depth
from matcher.dashboard.document_source import DocumentSource
from matcher.dashboard.errors import ContainerResultUnavailable
from matcher.dashboard.models import (
    NO_CHAIN,
    BookDepth,
    ChainSnapshot,
    ContainerResultView,
    OfferLoad,
)
from matcher.dashboard.offer_load import offer_loads
from matcher.service import MatcherService

router = APIRouter(prefix="/api/dashboard", tags=["dashboard"], responses=ERROR_RESPONSES)

# Wallets whose balances the chain view reads: the matcher's most recent traders.
MAX_WALLETS = 50


def _resources(service: MatcherService, resource: str | None) -> list[str]:
    return [service.catalog.get(resource).id] if resource is not None else service.catalog.ids()


@router.get("/book", summary="Order book depth: offers by price level, resting bids by limit")
async def get_book(
    service: Service,
    resource: Annotated[str | None, Query(max_length=64)] = None,
    levels: Annotated[int, Query(ge=1, le=100)] = 12,
) -> list[BookDepth]:
    now = service.now()
    horizon = service.settings.book.horizon_s
    return [
        book_depth(
            service.engine.book.book(r),
            service.catalog.get(r).unit,
            now,
            horizon_s=horizon,
            levels=levels,
        )
        for r in _resources(service, resource)
    ]


@router.get("/providers", summary="Standing offers with their price now and share sold")
async def get_providers(
    service: Service,
    resource: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[OfferLoad]:
    now = service.now()
    horizon = service.settings.book.horizon_s
    rows: list[OfferLoad] = []
    for r in _resources(service, resource):
        book = service.engine.book.book(r)
        rows.extend(offer_loads(book, service.catalog.get(r).unit, now, horizon_s=horizon))
    return rows[:limit]


@router.get("/chain", summary="Provider stakes, wallet balances and recent jobs on chain")
async def get_chain(request: Request, service: Service) -> ChainSnapshot:
    view: ChainView | None = request.app.state.chain_view
    if view is None:
        return NO_CHAIN
    providers = list(dict.fromkeys(o.owner for o in service.engine.book.offers()))
    wallets: dict[str, None] = {}
    for order in reversed(service.engine.book.orders()):
        wallets.setdefault(order.owner, None)
        if len(wallets) >= MAX_WALLETS:
            break
    # The view talks to a node: keep that off the event loop.
    return await asyncio.to_thread(view.snapshot, providers, list(wallets))


@router.get(
    "/container-results/{result_hash}",
    summary="A container job's resource use, from its result archive in the document store",
    description=(
        "`result_hash` is a job's result hash (the chain view's `result_hash`): 0x and 64 hex "
        "digits. The archive is re-hashed and its manifest checked against the log and outputs "
        "it holds. 404: no such archive (or no document store); 422: not a container result."
    ),
)
async def get_container_result(
    request: Request,
    result_hash: Annotated[str, Path(pattern=r"^0x[0-9a-fA-F]{64}$")],
) -> ContainerResultView:
    source: DocumentSource | None = request.app.state.documents
    if source is None:
        raise ContainerResultUnavailable("no document store is connected to this matcher")
    digest = bytes.fromhex(result_hash[2:])
    # The store may read a disk: keep that off the event loop.
    data = await asyncio.to_thread(source.read, digest)
    if data is None:
        raise ContainerResultUnavailable(
            f"the document store holds no result {result_hash.lower()}"
        )
    return container_result_view(digest, data)
