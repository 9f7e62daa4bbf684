"""Market data over HTTP: prices, supply, demand, heartbeat expiry, history, schema."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from matcher_api_helpers import Wallet, offer_payload, order_payload, send

from matcher.book.clock import ManualClock

P, Q, C = Wallet(41), Wallet(42), Wallet(43)


def market(client: TestClient, resource: str = "h100") -> Any:
    return client.get("/api/market", params={"resource": resource}).json()["markets"][0]


def test_market_reports_supply_demand_and_drops_silent_capacity(
    client: TestClient, clock: ManualClock
) -> None:
    assert market(client)["price_wei"] is None
    send(
        client,
        clock.now(),
        P,
        "POST",
        "/api/market/register",
        offer_payload("h100", price=300, capacity=2),
    )
    q = send(
        client,
        clock.now(),
        Q,
        "POST",
        "/api/market/offers",
        offer_payload("h100", price=200, capacity=1),
    ).json()
    send(
        client,
        clock.now(),
        C,
        "POST",
        "/api/market/orders",
        order_payload("limit", 120, 100, "h100"),
    )
    m = market(client)
    assert (
        m["price_wei"],
        m["supply_units_per_s"],
        m["available_nodes"],
        m["available_providers"],
    ) == ("200", 3.0, 2, 2)
    assert (m["pending_requests"], m["pending_units"], m["demand_units_per_min"]) == (1, 120, 120)
    assert m["utilization"] == 120 / 60 / 3.0
    clock.advance(45)
    send(client, clock.now(), Q, "POST", f"/api/market/offers/{q['offer_id']}/heartbeat")
    clock.advance(30)  # P silent for 75 s, Q for 30 s
    send(client, clock.now(), C, "POST", "/api/market/orders", order_payload("limit", 1, 1, "h100"))
    m = market(client)
    # Prices travel as decimal strings (JavaScript rounds numbers above 2**53).
    assert (m["supply_units_per_s"], m["available_nodes"], m["price_wei"]) == (1.0, 1, "200")
    assert client.get(f"/api/market/offers/{q['offer_id']}").status_code == 200
    offers = client.get("/api/market/offers", params={"resource": "h100"}).json()
    assert [o["owner"] for o in offers] == [Q.address]
    r = send(
        client,
        clock.now(),
        C,
        "POST",
        "/api/market/orders",
        order_payload("market", 10, 250, "h100"),
    )
    fill = r.json()["fills"][0]
    too_low = send(
        client,
        clock.now(),
        C,
        "POST",
        "/api/market/orders",
        order_payload("market", 10, 150, "h100"),
    )
    assert too_low.status_code == 409
    assert too_low.json()["error"]["code"] == "no_offer_below_max_price"
    assert "best offer is 200 wei" in too_low.json()["error"]["message"]
    assert fill["provider"] == Q.address and fill["terms"]["pricePerUnit"] == "200"
    assert client.get(f"/api/market/fills/{fill['fill_id']}").json() == fill
    history = client.get("/api/market/history", params={"resource": "h100", "bucket_s": 60}).json()
    assert history["points"] and all(int(p["min_price_wei"]) >= 200 for p in history["points"])
    # Samples every >= 10 s on a change: 300 at the start (only P), 200 after 75 s.
    assert market(client)["average_price_24h_wei"] == str((300 + 200) // 2)


def test_openapi_schema_is_served_with_every_route(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    for path in (
        "/api/market",
        "/api/market/history",
        "/api/market/register",
        "/api/market/withdraw",
        "/api/market/offers/{offer_id}",
        "/api/market/orders",
        "/v1/files",
        "/v1/files/{file_id}/content",
        "/v1/batches",
        "/v1/batches/{batch_id}/cancel",
    ):
        assert path in schema["paths"], path


def test_unknown_route_and_resource_are_json_errors(client: TestClient) -> None:
    r = client.get("/api/nope")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")
    r = client.get("/api/market", params={"resource": "tpu"})
    assert (r.status_code, r.json()["error"]["param"]) == (422, "resource")
