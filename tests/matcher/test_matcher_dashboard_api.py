"""The dashboard's read-only endpoints and the page itself, served by the matcher."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from matcher_api_helpers import Wallet, offer_payload, order_payload, send, settings_for

from matcher.api import create_app
from matcher.book.clock import ManualClock
from matcher.dashboard import STATIC_DIR

P, Q, C = Wallet(51), Wallet(52), Wallet(53)


@pytest.fixture
def client(sqlite_url: str, clock: ManualClock) -> Iterator[TestClient]:
    """SQLite only: these endpoints read the in-memory book, not the store."""
    with TestClient(create_app(settings_for(sqlite_url), clock)) as c:
        yield c


def test_depth_and_providers_reflect_signed_offers_and_bids(
    client: TestClient, clock: ManualClock
) -> None:
    send(client, clock.now(), P, "POST", "/api/market/offers", offer_payload("a100", 300, 2.0))
    send(client, clock.now(), Q, "POST", "/api/market/offers", offer_payload("a100", 200, 1.0))
    send(
        client, clock.now(), C, "POST", "/api/market/orders", order_payload("limit", 7, 150, "a100")
    )
    filled = send(
        client,
        clock.now(),
        C,
        "POST",
        "/api/market/orders",
        order_payload("market", 900, 250, "a100"),
    )
    assert filled.json()["filled_units"] == 900
    (depth,) = client.get("/api/dashboard/book", params={"resource": "a100"}).json()
    # Prices are decimal strings on the wire (JavaScript rounds numbers above 2**53).
    assert [(a["price_wei"], a["available_units"]) for a in depth["asks"]] == [
        ("200", 3600 - 900),
        ("300", 7200),
    ]
    assert [(b["price_wei"], b["units"]) for b in depth["bids"]] == [("150", 7)]
    every = client.get("/api/dashboard/book").json()
    assert [d["resource"] for d in every] == sorted(d["resource"] for d in every)
    providers = client.get("/api/dashboard/providers", params={"resource": "a100"}).json()
    assert [(o["owner"], o["utilization"]) for o in providers] == [
        (Q.address, 900 / 3600),
        (P.address, 0.0),
    ]


def test_without_a_chain_view_the_chain_endpoint_says_so(client: TestClient) -> None:
    chain = client.get("/api/dashboard/chain").json()
    assert chain["status"] == "none"
    assert "no chain connected" in chain["message"]
    assert (chain["jobs"], chain["wallets"], chain["providers"]) == ([], [], [])


def test_without_a_document_store_container_results_are_unavailable(client: TestClient) -> None:
    r = client.get("/api/dashboard/container-results/0x" + "ab" * 32)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "container_result_unavailable")
    assert "no document store" in r.json()["error"]["message"]
    assert client.get("/api/dashboard/container-results/0x1234").status_code == 422


def test_unknown_resource_and_bad_levels_are_refused(client: TestClient) -> None:
    r = client.get("/api/dashboard/book", params={"resource": "tpu"})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "unknown_resource")
    r = client.get("/api/dashboard/book", params={"levels": 0})
    assert r.status_code == 422
    r = client.get("/api/dashboard/providers", params={"resource": "tpu"})
    assert r.status_code == 422


def test_the_page_and_its_modules_are_served_from_static_dir(
    sqlite_url: str, clock: ManualClock
) -> None:
    with TestClient(create_app(settings_for(sqlite_url, static_dir=STATIC_DIR), clock)) as c:
        page = c.get("/dashboard/")
        assert page.status_code == 200 and "<title>GPUC Marketplace</title>" in page.text
        module = c.get("/dashboard/js/main.js")
        assert module.status_code == 200
        assert "javascript" in module.headers["content-type"]
    with TestClient(create_app(settings_for(sqlite_url), clock)) as c:
        assert c.get("/dashboard/").status_code == 404


def test_the_page_loads_nothing_from_other_hosts() -> None:
    for path in Path(STATIC_DIR).rglob("*"):
        if path.suffix in {".html", ".js", ".css"} and "vendor" not in path.parts:
            text = path.read_text()
            assert "http://" not in text and "https://" not in text, path


METRICS = {
    "supply_tokens_per_s": 18.5,
    "demand_tokens_per_s": 2.0,
    "open_sessions": 2,
    "tokens_served": str(2**60),  # above 2**53: a decimal string both ways
}


def test_llm_view_sums_what_providers_report_and_refuses_bad_reports(
    client: TestClient, clock: ManualClock
) -> None:
    mine = send(
        client, clock.now(), P, "POST", "/api/market/offers", offer_payload("llama-3-8b", 300, 0.5)
    ).json()["offer_id"]
    other = send(
        client, clock.now(), Q, "POST", "/api/market/offers", offer_payload("llama-3-8b", 200, 0.25)
    ).json()["offer_id"]
    gpus = send(
        client, clock.now(), P, "POST", "/api/market/offers", offer_payload("a100", 300, 1.0)
    ).json()["offer_id"]
    path = f"/api/market/offers/{mine}/llm-metrics"
    ok = send(client, clock.now(), P, "PUT", path, METRICS)
    assert ok.status_code == 200 and ok.json()["tokens_served"] == str(2**60)

    refusals = [
        (Q, path, METRICS, 403, "belongs to"),  # another provider's offer
        (P, f"/api/market/offers/{gpus}/llm-metrics", METRICS, 422, "per 1k tokens"),
        (P, "/api/market/offers/off_nope/llm-metrics", METRICS, 404, "off_nope"),
        (P, path, {**METRICS, "open_sessions": -1}, 422, "open_sessions"),
        (P, path, {**METRICS, "extra": 1}, 422, "extra"),
    ]
    for wallet, where, body, status, words in refusals:
        r = send(client, clock.now(), wallet, "PUT", where, body)
        assert r.status_code == status and words in r.text, (where, r.text)
    # A replayed report (same signature, same nonce) is refused.
    body = json.dumps(METRICS).encode()
    headers = P.sign("PUT", path, body, now=clock.now())
    assert client.put(path, content=body, headers=headers).status_code == 200
    replay = client.put(path, content=body, headers=headers)
    assert replay.status_code >= 400 and "nonce" in replay.text, replay.text

    views = {v["resource"]: v for v in client.get("/api/dashboard/llm").json()}
    assert "a100" not in views and views["llama-3-70b"]["providers"] == []
    view = views["llama-3-8b"]
    assert view["price_per_1k_tokens_wei"] == "200"  # the cheaper offer (Q's)
    # P reported 18.5 tokens/s; Q reported nothing: its capacity, 0.25 x 1k tokens/s.
    assert view["supply_tokens_per_s"] == 18.5 + 250.0
    assert (view["demand_tokens_per_s"], view["open_sessions"]) == (2.0, 2)
    assert view["tokens_served"] == str(2**60)
    rows = {r["offer_id"]: r for r in view["providers"]}
    assert rows[mine]["reported"] and not rows[other]["reported"]
    assert rows[other]["tokens_served"] == "0"
    one = client.get("/api/dashboard/llm", params={"resource": "llama-3-8b"}).json()
    assert [v["resource"] for v in one] == ["llama-3-8b"]
