"""The app factory: settings and a clock in, a FastAPI app out (tests and `gpuc up`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from matcher.api import (
    routes_acceptance,
    routes_dashboard,
    routes_keys,
    routes_llm,
    routes_market,
    routes_offers,
    routes_openai,
    routes_oracles,
    routes_orders,
)
from matcher.api.batch_moves import watch_dead_batch_providers
from matcher.api.durable import DurableResponses
from matcher.api.errors import install_error_handlers
from matcher.api.guard import MatcherGuard, render
from matcher.api.openapi_resources import document_resources
from matcher.api.openapi_signature_headers import document_signature_headers
from matcher.book.clock import Clock, SystemClock
from matcher.book.resources import ResourceCatalog
from matcher.dashboard.chain_source import ChainView
from matcher.dashboard.document_source import DocumentSource
from matcher.routing.chain_source import ReputationSource, feed_routing
from matcher.service import MatcherService
from matcher.settings import MatcherSettings
from protocol.http_guard import BodyGuard, sane_recursion_limit
from protocol.wire.health import HEALTH_PATH


def create_app(
    settings: MatcherSettings,
    clock: Clock | None = None,
    catalog: ResourceCatalog | None = None,
    chain_view: ChainView | None = None,
    reputation_source: ReputationSource | None = None,
    documents: DocumentSource | None = None,
    routing_refresh_s: float = 5.0,
    batch_move_s: float = 1.0,
) -> FastAPI:
    # eth-account's imports raise the recursion limit to 100,000: put it back, so deep
    # recursion raises instead of overflowing the C stack (the guard bounds JSON too).
    sane_recursion_limit()
    service = MatcherService(settings, clock or SystemClock(), catalog)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        service.restore()
        await service.start()
        feeder = None
        if reputation_source is not None:  # providers' reputations for routing
            feeder = asyncio.create_task(
                feed_routing(service, reputation_source, routing_refresh_s), name="routing-feed"
            )
        mover = asyncio.create_task(
            watch_dead_batch_providers(service, batch_move_s), name="dead-batch-providers"
        )
        try:
            yield
        finally:
            for task in (feeder, mover):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            await service.stop()

    app = FastAPI(
        title="GPUC Matcher",
        version="1",
        summary="Order book, dynamic pricing and the OpenAI Batch API for GPU compute",
        lifespan=lifespan,
    )
    app.state.service = service
    # Read-only chain data for the dashboard; None: the page says no chain is connected.
    app.state.chain_view = chain_view
    # Result archives by hash, for a container job's resource use; None: the page says so.
    app.state.documents = documents
    install_error_handlers(app)

    @app.get(HEALTH_PATH, include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    for module in (
        routes_market,
        routes_offers,
        routes_orders,
        routes_openai,
        routes_dashboard,
        routes_keys,
        routes_acceptance,
        routes_llm,
    ):
        app.include_router(module.router)
    app.include_router(routes_oracles.router)
    document_signature_headers(app)
    document_resources(app, service.catalog)
    app.add_middleware(DurableResponses, service=service)
    guard = MatcherGuard(service, app.router.routes)
    app.add_middleware(
        BodyGuard,
        limit_for=guard.limit_for,
        precheck=guard.precheck,
        render=render,
    )
    # The dashboard (a later issue) is a static site served from here.
    if settings.static_dir is not None:
        app.mount("/dashboard", StaticFiles(directory=settings.static_dir, html=True), "dashboard")
    return app
