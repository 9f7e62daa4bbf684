"""An acknowledged change is on disk: a new process restores the book exactly."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from matcher_api_helpers import Wallet, body_of, offer_payload, order_payload, send, settings_for

from matcher.api import create_app
from matcher.book.clock import ManualClock

P1, P2, C = Wallet(31), Wallet(32), Wallet(33)


def state(client: TestClient) -> Any:
    offers = client.get("/api/market/offers", params={"limit": 1000}).json()
    orders = {o: client.get(f"/api/market/orders/{o}").json() for o in ORDER_IDS}
    market = client.get("/api/market").json()["markets"]
    history = client.get(
        "/api/market/history", params={"resource": "llama-3-70b", "bucket_s": 10}
    ).json()
    return offers, orders, market, history


ORDER_IDS: list[str] = []


def test_restart_restores_book_fills_and_used_nonces(db_url: str, clock: ManualClock) -> None:
    ORDER_IDS.clear()
    settings = settings_for(db_url)
    sigmoid = {"kind": "utilization_sigmoid", "p_min_wei": 50, "p_max_wei": 500}
    with TestClient(create_app(settings, clock)) as c:
        o1 = send(
            c,
            clock.now(),
            P1,
            "POST",
            "/api/market/register",
            offer_payload(price=120, capacity=0.05),
        ).json()
        send(
            c,
            clock.now(),
            P2,
            "POST",
            "/api/market/register",
            {**offer_payload(capacity=0.1), "strategy": sigmoid},
        )
        for i in range(12):
            clock.advance(4.5)
            kind = "market" if i % 4 == 0 else "limit"
            r = send(
                c,
                clock.now(),
                C,
                "POST",
                "/api/market/orders",
                order_payload(kind, 40 + i, 60 + 10 * i),
            )
            if r.status_code == 201:
                ORDER_IDS.append(r.json()["order_id"])
            send(c, clock.now(), P1, "POST", f"/api/market/offers/{o1['offer_id']}/heartbeat")
        send(c, clock.now(), C, "POST", f"/api/market/orders/{ORDER_IDS[-1]}/cancel")
        send(
            c,
            clock.now(),
            P1,
            "PATCH",
            f"/api/market/offers/{o1['offer_id']}",
            {"strategy": {"kind": "fixed", "price_wei": 70}},
        )
        clock.advance(30)
        send(c, clock.now(), P1, "POST", f"/api/market/offers/{o1['offer_id']}/heartbeat")
        clock.advance(31)  # P2 missed its heartbeat: a sweep drops it
        send(c, clock.now(), C, "POST", "/api/market/orders", order_payload("limit", 1, 1))
        before = state(c)
        body = body_of(order_payload("limit", 5, 5))
        replay_headers = C.sign("POST", "/api/market/orders", body, now=clock.now())
        assert c.post("/api/market/orders", content=body, headers=replay_headers).status_code == 201
        after_last = state(c)
    statuses = {o["status"] for o in before[1].values()}
    assert {"filled", "resting", "cancelled"} <= statuses  # the story covered the cases
    assert len(before[0]) == 1  # P2 expired
    with TestClient(create_app(settings, clock)) as c:
        assert state(c) == after_last
        r = c.post("/api/market/orders", content=body, headers=replay_headers)
        assert (r.status_code, r.json()["error"]["code"]) == (401, "signature_replayed")
