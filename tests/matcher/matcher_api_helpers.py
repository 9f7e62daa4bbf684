"""Signed requests against the matcher API (used by the API tests)."""

from __future__ import annotations

import itertools
import json
from typing import Any, Protocol

from eth_account import Account

from matcher.auth.request_signature import sign_request
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
