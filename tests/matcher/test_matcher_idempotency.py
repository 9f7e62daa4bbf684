"""A client that lost an answer retries safely (Idempotency-Key), and lists its own
orders and fills (issue 13, missing features)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from matcher_api_helpers import Wallet, body_of, offer_payload, order_payload, send, settings_for

from matcher.api import create_app
from matcher.book.clock import ManualClock

P, C, D = Wallet(121), Wallet(122), Wallet(123)


def _place(client: TestClient, clock: ManualClock, payload: dict[str, object], key: str) -> object:
    body = body_of(payload)
    headers = {
        **C.sign("POST", "/api/market/orders", body, now=clock.now()),
        "Idempotency-Key": key,
    }
    return client.post("/api/market/orders", content=body, headers=headers)


def test_a_retried_order_is_placed_once_even_after_a_restart(
    sqlite_url: str, clock: ManualClock
) -> None:
    settings = settings_for(sqlite_url)
    limit = order_payload(kind="limit", units=5, max_price=10)
    with TestClient(create_app(settings, clock)) as client:
        first = _place(client, clock, limit, "retry-1")
        assert first.status_code == 201, first.text  # type: ignore[attr-defined]
        again = _place(client, clock, limit, "retry-1")
        assert again.status_code == 200  # type: ignore[attr-defined]
        assert again.headers["idempotent-replayed"] == "true"  # type: ignore[attr-defined]
        assert again.json()["order_id"] == first.json()["order_id"]  # type: ignore[attr-defined]
        other = _place(client, clock, {**limit, "units": 6}, "retry-1")
        assert other.status_code == 409  # type: ignore[attr-defined]
        assert other.json()["error"]["param"] == "Idempotency-Key"  # type: ignore[attr-defined]
        bad = _place(client, clock, limit, "two words")
        assert bad.status_code in (400, 422)  # type: ignore[attr-defined]
        market = client.get("/api/market", params={"resource": "llama-3-70b"}).json()
        assert market["markets"][0]["pending_requests"] == 1
    with TestClient(create_app(settings, clock)) as client:
        again = _place(client, clock, limit, "retry-1")
        assert again.status_code == 200  # type: ignore[attr-defined]
        assert again.json()["order_id"] == first.json()["order_id"]  # type: ignore[attr-defined]


def test_a_wallet_lists_its_own_orders_and_fills(client: TestClient, clock: ManualClock) -> None:
    offer = send(client, clock.now(), P, "POST", "/api/market/register", offer_payload(price=100))
    assert offer.status_code == 201
    bought = send(client, clock.now(), C, "POST", "/api/market/orders", order_payload(units=2))
    resting = send(
        client, clock.now(), C, "POST", "/api/market/orders", order_payload("limit", 3, 50)
    )
    assert (bought.status_code, resting.status_code) == (201, 201)
    mine = send(client, clock.now(), C, "GET", "/api/market/orders").json()
    assert [o["order_id"] for o in mine] == [resting.json()["order_id"], bought.json()["order_id"]]
    only = send(client, clock.now(), C, "GET", "/api/market/orders?status=resting").json()
    assert [o["order_id"] for o in only] == [resting.json()["order_id"]]
    assert send(client, clock.now(), D, "GET", "/api/market/orders").json() == []
    fill_ids = [f["fill_id"] for f in bought.json()["fills"]]
    assert [
        f["fill_id"] for f in send(client, clock.now(), C, "GET", "/api/market/fills").json()
    ] == fill_ids
    assert [
        f["fill_id"] for f in send(client, clock.now(), P, "GET", "/api/market/fills").json()
    ] == fill_ids
    assert send(client, clock.now(), D, "GET", "/api/market/fills").json() == []
    assert client.get("/api/market/orders").status_code == 401  # unsigned: whose?
