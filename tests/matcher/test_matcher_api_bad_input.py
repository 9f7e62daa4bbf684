"""Bad input gets a 4xx naming the problem, and the book stays as it was."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from matcher_api_helpers import CHAIN_ID, Wallet, body_of, offer_payload, order_payload

from matcher.auth.api_key import make_api_key
from matcher.book.clock import ManualClock

P, C = Wallet(21), Wallet(22)


def snapshot(client: TestClient) -> Any:
    return client.get("/api/market").json()["markets"], client.get("/api/market/offers").json()


def signed_raw(
    client: TestClient, clock: ManualClock, wallet: Wallet, path: str, body: bytes
) -> Any:
    return client.post(path, content=body, headers=wallet.sign("POST", path, body, now=clock.now()))


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "param"),
    [
        ("/api/market/orders", b'{"resource": "h100", "kind": ', 400, "invalid_json", "body"),
        (
            "/api/market/register",
            body_of(offer_payload(resource="tpu-v9")),
            422,
            "unknown_resource",
            "resource",
        ),
        (
            "/api/market/orders",
            body_of(order_payload(resource="tpu-v9")),
            422,
            "unknown_resource",
            "resource",
        ),
        (
            "/api/market/orders",
            body_of(order_payload(max_price=0)),
            422,
            "invalid_field",
            "max_price_wei",
        ),
        (
            "/api/market/orders",
            body_of(order_payload(max_price=-5)),
            422,
            "invalid_field",
            "max_price_wei",
        ),
        (
            "/api/market/orders",
            body_of(order_payload(max_price=10**40)),
            422,
            "invalid_field",
            "max_price_wei",
        ),
        ("/api/market/orders", body_of(order_payload(units=0)), 422, "invalid_field", "units"),
        (
            "/api/market/orders",
            body_of({**order_payload(), "spec": "0x12"}),
            422,
            "invalid_field",
            "spec",
        ),
        (
            "/api/market/orders",
            body_of({**order_payload(), "surprise": 1}),
            422,
            "invalid_field",
            "surprise",
        ),
        (
            "/api/market/register",
            body_of(offer_payload(capacity=0)),
            422,
            "invalid_field",
            "capacity_units_per_s",
        ),
        (
            "/api/market/register",
            body_of(offer_payload(price=0)),
            422,
            "invalid_field",
            "strategy.fixed.price_wei",
        ),
        (
            "/api/market/register",
            body_of(offer_payload(price=10**30)),
            422,
            "invalid_field",
            "strategy.fixed.price_wei",
        ),
        (
            "/api/market/register",
            body_of(
                {
                    **offer_payload(),
                    "strategy": {"kind": "utilization_sigmoid", "p_min_wei": 5, "p_max_wei": 1},
                }
            ),
            422,
            "invalid_field",
            "strategy.utilization_sigmoid",
        ),
        (
            "/api/market/withdraw",
            body_of({"offer_id": "off_missing"}),
            404,
            "not_found",
            "offer_id",
        ),
    ],
)
def test_bad_request_is_refused_precisely_and_changes_nothing(
    client: TestClient,
    clock: ManualClock,
    path: str,
    body: bytes,
    status: int,
    code: str,
    param: str,
) -> None:
    assert (
        signed_raw(
            client, clock, P, "/api/market/register", body_of(offer_payload(resource="h100"))
        ).status_code
        == 201
    )
    before = snapshot(client)
    r = signed_raw(client, clock, C, path, body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert (error["code"], error["param"]) == (code, param)
    assert param.split(".")[-1] in error["message"] or code == "invalid_json"
    assert snapshot(client) == before


def test_oversized_body_is_refused(client: TestClient, clock: ManualClock) -> None:
    body = body_of({**order_payload(), "padding": "x" * 70_000})
    r = signed_raw(client, clock, C, "/api/market/orders", body)
    assert (r.status_code, r.json()["error"]["code"]) == (413, "payload_too_large")


def test_batch_files_that_are_not_jsonl_or_too_large_are_refused(
    client: TestClient, clock: ManualClock
) -> None:
    key = make_api_key(C.key, chain_id=CHAIN_ID, expiry=int(clock.now()) + 600)
    auth = {"Authorization": f"Bearer {key}"}

    def upload(content: bytes, purpose: str = "batch") -> Any:
        return client.post(
            "/v1/files",
            headers=auth,
            files={"file": ("f.jsonl", content)},
            data={"purpose": purpose},
        )

    line = (
        b'{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",'
        b' "body": {"model": "llama-3-70b"}}\n'
    )
    # Bad lines no longer refuse the upload: as at OpenAI, they are the batch's errors
    # (tests/matcher/test_matcher_batch_behaviour.py); only files that are not JSONL
    # text, or too large, are refused here.
    cases = [
        (line.replace(b"llama-3-70b", b"gpt-9"), 422, "unknown resource 'gpt-9'"),
        (b"\xff\xfe", 422, "not UTF-8"),
        (b"", 422, "no request lines"),
        (line * 200_000, 413, "accepts at most"),
    ]
    for content, status, fragment in cases:
        r = upload(content)
        assert r.status_code == status, (content[:40], r.text)
        assert fragment in r.json()["error"]["message"]
    r = upload(line, purpose="fine-tune")
    assert (r.status_code, r.json()["error"]["param"]) == (422, "purpose")
    r = client.post("/v1/files", files={"file": ("f.jsonl", line)}, data={"purpose": "batch"})
    assert r.status_code == 401
    r = client.get("/v1/batches", headers={"Authorization": "Bearer sk-not-ours"})
    assert (r.status_code, r.json()["error"]["param"]) == (401, "Authorization")
