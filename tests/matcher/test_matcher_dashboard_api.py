"""The dashboard's read-only endpoints and the page itself, served by the matcher."""

from __future__ import annotations

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
