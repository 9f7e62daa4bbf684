"""Signed requests against the matcher API (used by the API tests)."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from typing import Any, Protocol

import uvicorn
from eth_account import Account

from matcher.api import create_app
from matcher.auth.request_signature import sign_request
from matcher.book.clock import Clock
from matcher.dashboard.chain_source import ChainView
from matcher.dashboard.document_source import DocumentSource
from matcher.routing.chain_source import ReputationSource
from matcher.settings import MatcherSettings

CHAIN_ID = 31337


class Wallet:
    """A test wallet that signs every request with a fresh nonce."""

    _nonces = itertools.count(1)

    def __init__(self, seed: int) -> None:
        self.key = "0x" + seed.to_bytes(32, "big").hex()
        self.address = str(Account.from_key(self.key).address)

    def sign(
        self,
        method: str,
        path: str,
        body: bytes,
        *,
        now: float,
        nonce: int | None = None,
        ttl: int = 300,
        chain_id: int = CHAIN_ID,
    ) -> dict[str, str]:
        signed = sign_request(
            self.key,
            chain_id=chain_id,
            method=method,
            path=path,
            body=body,
            nonce=next(self._nonces) if nonce is None else nonce,
            expiry=int(now) + ttl,
        )
        return {**signed.headers(), "content-type": "application/json"}


def body_of(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def offer_payload(
    resource: str = "llama-3-70b", price: int = 100, capacity: float = 10.0, min_job: int = 1
) -> dict[str, Any]:
    return {
        "resource": resource,
        "strategy": {"kind": "fixed", "price_wei": price},
        "capacity_units_per_s": capacity,
        "min_job_units": min_job,
    }


def order_payload(
    kind: str = "market", units: int = 10, max_price: int = 150, resource: str = "llama-3-70b"
) -> dict[str, Any]:
    return {
        "resource": resource,
        "kind": kind,
        "units": units,
        "max_price_wei": max_price,
        "spec": "0x" + "ab" * 32,
    }


def settings_for(url: str, **overrides: object) -> MatcherSettings:
    return MatcherSettings(database_url=url, chain_id=CHAIN_ID, **overrides)  # type: ignore[arg-type]


class _Requester(Protocol):
    def request(self, method: str, url: str, *, content: bytes, headers: dict[str, str]) -> Any: ...


def send(
    client: _Requester,
    now: float,
    wallet: Wallet,
    method: str,
    path: str,
    payload: Any = None,
    **sign_kw: Any,
) -> Any:
    """One signed request: the JSON body as bytes, signed by `wallet` at `now`."""
    body = b"" if payload is None else body_of(payload)
    headers = wallet.sign(method, path, body, now=now, **sign_kw)
    return client.request(method, path, content=body, headers=headers)


class LiveServer:
    """The app under uvicorn on a free loopback port, in a thread of this process."""

    def __init__(
        self,
        settings: MatcherSettings,
        clock: Clock,
        chain_view: ChainView | None = None,
        reputation_source: ReputationSource | None = None,
        documents: DocumentSource | None = None,
    ) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(
                settings,
                clock,
                chain_view=chain_view,
                reputation_source=reputation_source,
                documents=documents,
                routing_refresh_s=0.2,
            ),
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the matcher did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()
