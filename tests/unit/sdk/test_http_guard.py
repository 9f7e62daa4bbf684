"""The shared request guard (protocol.http_guard) and the servers that run it."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from protocol.http_guard import (
    SANE_RECURSION_LIMIT,
    BodyGuard,
    GuardRefusal,
    json_too_deep,
    sane_recursion_limit,
)


@pytest.mark.parametrize(
    ("data", "deep"),
    [
        (b"[" * 65 + b"]" * 65, True),
        (b"[" * 64 + b"]" * 64, False),
        (b'{"a":' * 65 + b"1" + b"}" * 65, True),
        # Brackets inside strings are text, not nesting.
        (json.dumps({"s": "[" * 500}).encode(), False),
        (json.dumps({"s": '\\"[' * 500}).encode(), False),
        (b'"' + b"[" * 100, True),  # unterminated string: refused (the parser would too)
        (b"[" * 100, True),  # unbalanced but deep: refused before parsing
        ("[" * 100, True),
        (b"", False),
    ],
)
def test_json_too_deep(data: bytes | str, deep: bool) -> None:
    assert json_too_deep(data, 64) is deep


def test_sane_recursion_limit_lowers_a_raised_limit() -> None:
    old = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(100_000)
        assert sane_recursion_limit() == SANE_RECURSION_LIMIT
        sys.setrecursionlimit(500)
        assert sane_recursion_limit() == 500  # never raises it
    finally:
        sys.setrecursionlimit(old)


def _app(**guard: Any) -> FastAPI:
    app = FastAPI()
    seen: list[int] = []

    @app.post("/echo")
    def echo(body: dict[str, Any]) -> dict[str, Any]:
        seen.append(len(body))
        return {"keys": len(body)}

    app.add_middleware(BodyGuard, **guard)  # type: ignore[arg-type]
    app.state.seen = seen
    return app


def test_guard_passes_good_bodies_and_refuses_deep_and_big_ones() -> None:
    app = _app(max_body_bytes=1000, max_depth=8)
    with TestClient(app) as client:
        assert client.post("/echo", json={"a": [[1]]}).json() == {"keys": 1}
        deep = client.post("/echo", content=b'{"a":' + b"[" * 9 + b"]" * 9 + b"}")
        assert deep.status_code == 400
        assert deep.json() == {
            "error": "invalid_json",
            "detail": "the request body nests JSON deeper than 8 levels",
        }
        big = client.post("/echo", json={"a": "x" * 2000})
        assert big.status_code == 413
        assert "at most 1000 bytes" in big.json()["detail"]

        def chunks() -> Any:  # no Content-Length: counted while read
            yield b'{"a": "'
            for _ in range(20):
                yield b"x" * 100
            yield b'"}'

        chunked = client.post("/echo", content=chunks())
        assert chunked.status_code == 413
    assert app.state.seen == [1]  # the handler never saw a refused body


def test_guard_precheck_refuses_on_headers_and_renders_the_servers_shape() -> None:
    def precheck(scope: Any) -> GuardRefusal | None:
        names = {k for k, _ in scope["headers"]}
        return None if b"x-key" in names else GuardRefusal(401, "no_key", "send X-Key", "X-Key")

    app = _app(precheck=precheck, render=lambda r: {"e": {"code": r.code, "param": r.param}})
    with TestClient(app) as client:
        refused = client.post("/echo", json={"a": 1})
        assert refused.status_code == 401
        assert refused.json() == {"e": {"code": "no_key", "param": "X-Key"}}
        assert client.post("/echo", json={"a": 1}, headers={"X-Key": "1"}).status_code == 200


def test_the_provider_result_server_runs_the_guard(tmp_path: Any) -> None:
    from provider.results.app import create_result_app
    from provider.results.store import ResultStore

    sys.setrecursionlimit(100_000)  # as eth-account's imports leave it
    try:
        app = create_result_app(ResultStore(tmp_path))
        assert sys.getrecursionlimit() == SANE_RECURSION_LIMIT
    finally:
        sys.setrecursionlimit(SANE_RECURSION_LIMIT)
    with TestClient(app) as client:
        answer = client.post("/results/0x00", content=b"x" * 10_000)
        assert answer.status_code == 413


def test_the_oracle_api_runs_the_guard() -> None:
    from oracles.api import MAX_BODY_BYTES, create_app
    from oracles.metrics import OracleMetrics

    sys.setrecursionlimit(100_000)
    try:
        app = create_app(None, OracleMetrics())  # type: ignore[arg-type]  # the guard answers first
        assert sys.getrecursionlimit() == SANE_RECURSION_LIMIT
    finally:
        sys.setrecursionlimit(SANE_RECURSION_LIMIT)
    with TestClient(app) as client:
        deep = client.post("/receipts", content=b"[" * 100_000 + b"]" * 100_000)
        assert deep.status_code in (400, 413)
        deep = client.post("/receipts", content=b"[" * 1000 + b"]" * 1000)
        assert deep.status_code == 400
        assert deep.json()["error"] == "invalid_json"
        big = client.post("/signatures", content=b" " * (MAX_BODY_BYTES + 1))
        assert big.status_code == 413
