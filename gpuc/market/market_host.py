"""The market's HTTP front door: the matcher API, its dashboard (with the chain view when a
deployment is given) and the job document store at /documents."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from gpuc.market.document_store import document_router
from matcher.api import create_app
from matcher.chain_view import ProtocolChainView
from matcher.dashboard import STATIC_DIR
from matcher.routing.chain_source import ChainReputationSource
from matcher.settings import MatcherSettings
from protocol.client import Protocol
from protocol.documents import DOCUMENTS_PATH
from provider.errors import ResultNotFound
from provider.results.store import ResultStore

__all__ = ["create_market_app"]


def create_market_app(
    settings: MatcherSettings, protocol: Protocol | None, documents_dir: Path
) -> FastAPI:
    if settings.static_dir is None:
        settings = settings.model_copy(update={"static_dir": STATIC_DIR})
    chain_view = None if protocol is None else ProtocolChainView(protocol)
    reputations = None if protocol is None else ChainReputationSource(protocol)
    store = ResultStore(documents_dir)
    app = create_app(
        settings,
        chain_view=chain_view,
        reputation_source=reputations,
        documents=_StoreDocuments(store),
    )
    app.include_router(document_router(store), prefix=DOCUMENTS_PATH)
    return app


class _StoreDocuments:
    """The document store as the dashboard reads it (container jobs' result archives)."""

    def __init__(self, store: ResultStore) -> None:
        self._store = store

    def read(self, digest: bytes) -> bytes | None:
        try:
            return self._store.get(digest)
        except ResultNotFound:
            return None
