"""Snapshots and log compaction: a restart loads the newest snapshot and replays only
what came after it, and the log does not grow with history (issue 13)."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from matcher_api_helpers import Wallet, offer_payload, order_payload, send, settings_for

from matcher.api import create_app
from matcher.book.clock import ManualClock
from matcher.service import MatcherService

P, C = Wallet(131), Wallet(132)


def _state(client: TestClient, order_ids: list[str]) -> Any:
    return (
        client.get("/api/market").json()["markets"],
        [client.get(f"/api/market/orders/{o}").json() for o in order_ids],
        client.get("/api/market/offers").json(),
    )


def _service(client: TestClient) -> MatcherService:
    service: MatcherService = client.app.state.service  # type: ignore[attr-defined]
    return service


def test_restart_replays_only_what_followed_the_snapshot(
    sqlite_url: str, clock: ManualClock
) -> None:
    settings = settings_for(sqlite_url, snapshot_every_commands=40, sweep_interval_s=0.05)
    order_ids: list[str] = []
    with TestClient(create_app(settings, clock)) as client:
        send(
            client,
            clock.now(),
            P,
            "POST",
            "/api/market/register",
            offer_payload(price=100, capacity=0.5),
        )
        for i in range(60):
            clock.advance(1)
            kind = "market" if i % 3 == 0 else "limit"
            r = send(
                client,
                clock.now(),
                C,
                "POST",
                "/api/market/orders",
                order_payload(kind, 1, 150 if kind == "market" else 90),
            )
            assert r.status_code == 201, r.text
            order_ids.append(r.json()["order_id"])
        store = _service(client).store
        deadline = time.monotonic() + 10
        while store.latest_snapshot() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        snapshot = store.latest_snapshot()
        assert snapshot is not None and snapshot[0] >= 40
        assert store.command_count() < 61  # compacted up to the snapshot
        for _ in range(5):  # after the snapshot: replayed from the log
            r = send(
                client, clock.now(), C, "POST", "/api/market/orders", order_payload("limit", 1, 80)
            )
            order_ids.append(r.json()["order_id"])
        # Not a clean stop: keep the periodic snapshot only (as after a crash).
        _service(client)._snapshot_seq = _service(client)._submitted_seq
        before = _state(client, order_ids)
    with TestClient(create_app(settings, clock)) as client:
        restored = _service(client).restored_commands
        assert 0 < restored < 40
        assert _state(client, order_ids) == before


def test_a_clean_stop_snapshots_so_the_next_start_replays_nothing(
    sqlite_url: str, clock: ManualClock
) -> None:
    settings = settings_for(sqlite_url)
    with TestClient(create_app(settings, clock)) as client:
        send(client, clock.now(), P, "POST", "/api/market/register", offer_payload(price=100))
        r = send(
            client, clock.now(), C, "POST", "/api/market/orders", order_payload("limit", 2, 90)
        )
        order_ids = [r.json()["order_id"]]
        before = _state(client, order_ids)
    with TestClient(create_app(settings, clock)) as client:
        assert _service(client).restored_commands == 0
        assert _service(client).store.command_count() == 0
        assert _state(client, order_ids) == before
        r = send(
            client, clock.now(), C, "POST", "/api/market/orders", order_payload("market", 1, 150)
        )
        assert r.status_code == 201  # the restored book still trades
