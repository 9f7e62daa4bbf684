"""The book stays whole and nothing is shown before it is durable (issue 13, defects 2, 4).

Fault injection (a pricing step that raises, a commit held back) stands in for the
bugs and crashes that cause these situations; everything else is the real server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from matcher_api_helpers import LiveServer, Wallet, offer_payload, order_payload, send, settings_for

from matcher.api import create_app
from matcher.book.clock import ManualClock, SystemClock
from matcher.book.market_state import MarketState
from matcher.storage.group_commit import GroupCommitWriter

P, C = Wallet(71), Wallet(72)
R = "llama-3-70b"


def _market(client: Any) -> dict[str, Any]:
    markets = client.get("/api/market", params={"resource": R}).json()["markets"]
    return dict(markets[0])


def test_extreme_capacities_never_wedge_a_resource(client: TestClient, clock: ManualClock) -> None:
    ids = []
    for capacity in (1e-6, 1e12, 0.1):
        r = send(
            client, clock.now(), P, "POST", "/api/market/register", offer_payload(capacity=capacity)
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["offer_id"])
    for offer_id in ids[1:]:
        r = send(client, clock.now(), P, "DELETE", f"/api/market/offers/{offer_id}")
        assert r.status_code == 200, r.text
    assert _market(client)["supply_units_per_s"] == 1e-6
    r = send(
        client, clock.now(), C, "POST", "/api/market/orders", order_payload(kind="limit", units=1)
    )
    assert r.status_code == 201, r.text
    r = send(client, clock.now(), P, "POST", "/api/market/register", offer_payload(capacity=5.0))
    assert r.status_code == 201, r.text


def test_capacity_bounds_are_enforced(client: TestClient, clock: ManualClock) -> None:
    for capacity in (1e-9, 5e-324, 1e13):
        r = send(
            client, clock.now(), P, "POST", "/api/market/register", offer_payload(capacity=capacity)
        )
        assert r.status_code == 422, (capacity, r.text)
        assert r.json()["error"]["param"] == "capacity_units_per_s"


def test_an_unexpected_engine_error_leaves_the_book_as_it_was(
    sqlite_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with TestClient(
        create_app(settings_for(sqlite_url), clock), raise_server_exceptions=False
    ) as client:
        r = send(client, clock.now(), P, "POST", "/api/market/register", offer_payload(price=500))
        assert r.status_code == 201
        before = _market(client)
        real = MarketState.reprice
        calls = {"n": 0}

        def failing(self: MarketState, *args: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 1:  # the first repricing after the order rested in memory
                raise RuntimeError("injected fault")
            real(self, *args)

        monkeypatch.setattr(MarketState, "reprice", failing)
        r = send(
            client,
            clock.now(),
            C,
            "POST",
            "/api/market/orders",
            order_payload(kind="limit", max_price=100),
        )
        assert r.status_code == 500
        assert r.json()["error"]["code"] == "internal_error"
        monkeypatch.setattr(MarketState, "reprice", real)
        after = _market(client)
        assert after["pending_requests"] == before["pending_requests"] == 0
        assert after == before
        # The book still works, and a restart rebuilds the same book.
        r = send(
            client,
            clock.now(),
            C,
            "POST",
            "/api/market/orders",
            order_payload(kind="limit", max_price=100),
        )
        assert r.status_code == 201, r.text
        resting = _market(client)
        assert resting["pending_requests"] == 1
    with TestClient(create_app(settings_for(sqlite_url), clock)) as client:
        assert _market(client) == resting


@pytest.fixture
def held_commits(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Commits wait until the event is set (a slow disk, or the moment before a crash)."""
    release = threading.Event()
    release.set()
    real = GroupCommitWriter._commit

    def held(self: GroupCommitWriter, group: Any) -> None:
        release.wait(30)
        real(self, group)

    monkeypatch.setattr(GroupCommitWriter, "_commit", held)
    yield release
    release.set()


def test_nothing_is_visible_before_it_is_durable(
    sqlite_url: str, held_commits: threading.Event
) -> None:
    with (
        LiveServer(settings_for(sqlite_url), SystemClock()) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        r = send(http, time.time(), P, "POST", "/api/market/register", offer_payload(price=100))
        offer_id = r.json()["offer_id"]
        held_commits.clear()
        answers: list[Any] = []
        buyer = threading.Thread(
            target=lambda: answers.append(
                send(
                    http, time.time(), C, "POST", "/api/market/orders", order_payload(max_price=150)
                )
            )
        )
        buyer.start()
        time.sleep(0.5)  # the buy is applied in memory; its commit is held
        with pytest.raises(httpx.ReadTimeout):
            http.get(f"/api/market/offers/{offer_id}/fills", timeout=1.0)
        with pytest.raises(httpx.ReadTimeout):
            http.get("/api/market", timeout=1.0)
        held_commits.set()
        buyer.join(10)
        assert answers[0].status_code == 201
        fills = http.get(f"/api/market/offers/{offer_id}/fills").json()
        assert [f["fill_id"] for f in fills] == [f["fill_id"] for f in answers[0].json()["fills"]]
