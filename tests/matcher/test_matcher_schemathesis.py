"""schemathesis against the served OpenAPI schema: no input gives a 5xx.

Every generated request is sent twice over loopback: as generated (bad or missing
signatures, random headers) and with a valid wallet signature or API key for the exact
bytes sent, so the fuzzing reaches the handlers behind the auth checks too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, reject, settings
from matcher_api_helpers import CHAIN_ID, LiveServer, Wallet, settings_for
from schemathesis.checks import not_a_server_error

from matcher.auth.api_key import make_api_key
from matcher.book.clock import SystemClock

WALLET = Wallet(77)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = Path(tmp_path_factory.mktemp("schemathesis")) / "matcher.db"
    overrides = {"rate_limit_per_s": 1e6, "rate_limit_burst": 1e6}
    with LiveServer(settings_for(f"sqlite:///{db}", **overrides), SystemClock()) as live:
        yield live


def _signed_copy(kwargs: dict[str, Any]) -> requests.PreparedRequest:
    """The same request, with a valid signature (or API key) over its exact bytes."""
    kwargs = dict(kwargs)
    headers = {k: str(v) for k, v in (kwargs.pop("headers", None) or {}).items()}
    if "json" in kwargs:
        kwargs["data"] = json.dumps(kwargs.pop("json")).encode()
        headers["content-type"] = "application/json"
    prepared = requests.Request(headers=headers, **kwargs).prepare()
    path = prepared.path_url
    if path.startswith("/v1/"):
        key = make_api_key(WALLET.key, chain_id=CHAIN_ID, expiry=int(time.time()) + 600)
        prepared.headers["Authorization"] = f"Bearer {key}"
    else:
        body = prepared.body or b""
        raw = body.encode() if isinstance(body, str) else body
        prepared.headers.update(WALLET.sign(prepared.method or "GET", path, raw, now=time.time()))
    return prepared


def _check(
    case: Any, session: requests.Session, server: LiveServer, seen: dict[str, set[int]]
) -> None:
    kwargs = case.as_transport_kwargs(base_url=server.url)
    kwargs.pop("verify", None)
    try:
        raw = session.request(**kwargs, timeout=30)
    except requests.exceptions.InvalidHeader:
        reject()  # a header value requests itself will not send
    case.validate_response(raw, checks=[not_a_server_error])
    signed = session.send(_signed_copy(kwargs), timeout=30)
    case.validate_response(signed, checks=[not_a_server_error])
    seen.setdefault(f"{kwargs['method']} {case.operation.path}", set()).add(signed.status_code)
    if signed.status_code >= 400:
        error = signed.json()["error"]
        assert error["code"] and error["message"]


def test_no_input_gives_a_server_error(server: LiveServer) -> None:
    # schemathesis' own pytest plugin does not run under pytest 9 here, so each
    # operation's hypothesis strategy is driven directly.
    api = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    session = requests.Session()
    seen: dict[str, set[int]] = {}
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            _check(case, session, server, seen)

        run()
    # The signed copies got past authentication into the handlers (201, 404, 422...).
    past_auth = {op for op, codes in seen.items() if codes - {401}}
    assert {"POST /api/market/orders", "POST /api/market/register", "POST /v1/batches"} <= past_auth
    assert any(200 <= c < 300 for c in seen["GET /v1/batches"]), seen
