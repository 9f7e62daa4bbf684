"""Heartbeat uptime over HTTP: GET /api/market/providers/{address}/uptime returns the
provider's per-hour samples (real app, real SQLite log, a manual clock), the routing feed
scores them (here a source that scores only the uptime it is handed, standing in for the
chain reader, which adds the escrow history), offers' routing metadata shows the uptime
part off its prior, and a restart (log replay, then snapshot) returns the same samples."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from matcher_api_helpers import Wallet, offer_payload, send, settings_for

from matcher.api import create_app
from matcher.book.clock import ManualClock
from matcher.routing import ProviderRouting
from matcher.routing.chain_source import Uptime
from protocol.reputation import ProviderHistory, ScoreConfig, UptimeSample, score

STEADY, PATCHY = Wallet(61), Wallet(62)
H = 3600.0


def uptime_source(providers: Sequence[str], uptime: Uptime) -> list[ProviderRouting]:
    now = max((s.at for samples in uptime.values() for s in samples), default=0.0)
    return [
        ProviderRouting.of(score(ProviderHistory(provider=p, uptime=tuple(uptime[p])), now), None)
        for p in providers
    ]


def _heartbeat_for(
    client: TestClient,
    clock: ManualClock,
    offers: dict[Wallet, str],
    seconds: float,
    patchy_from: float,
) -> None:
    """Every 30 s for `seconds`: STEADY always heartbeats, PATCHY only until `patchy_from`
    (then its offer leaves the book when the heartbeat TTL runs out)."""
    elapsed = 0.0
    while elapsed < seconds:
        clock.advance(30)
        elapsed += 30
        for wallet, offer_id in offers.items():
            if wallet is PATCHY and elapsed >= patchy_from:
                continue
            path = f"/api/market/offers/{offer_id}/heartbeat"
            assert send(client, clock.now(), wallet, "POST", path).is_success


def _uptime(client: TestClient, wallet: Wallet) -> dict[str, Any]:
    response = client.get(f"/api/market/providers/{wallet.address}/uptime")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _routing_uptime(client: TestClient, wallet: Wallet, expected: float) -> float:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        offers = client.get("/api/market/offers", params={"owner": wallet.address}).json()
        if offers and offers[0]["routing"]["reputation"]["uptime"] == expected:
            return expected
        time.sleep(0.05)
    raise AssertionError(f"routing never showed uptime {expected} for {wallet.address}")


def test_uptime_endpoint_feed_and_replay(tmp_path: Path) -> None:
    clock = ManualClock(start=1_800_000_000.0)  # an hour boundary
    url = f"sqlite:///{tmp_path / 'matcher.db'}"
    app = create_app(
        settings_for(url), clock, reputation_source=uptime_source, routing_refresh_s=0.02
    )
    with TestClient(app) as client:
        offers = {}
        for wallet in (STEADY, PATCHY):
            created = send(
                client,
                clock.now(),
                wallet,
                "POST",
                "/api/market/offers",
                offer_payload("h100", price=100, capacity=10),
            )
            assert created.status_code == 201, created.text
            offers[wallet] = created.json()["offer_id"]
        _heartbeat_for(client, clock, offers, H, patchy_from=900)
        clock.advance(1)  # into the next hour: the first is a whole, finished bucket

        steady, patchy = _uptime(client, STEADY), _uptime(client, PATCHY)
        assert steady["provider"] == STEADY.address.lower()
        assert steady["bucket_s"] == H and steady["window_s"] == 30 * 24 * H
        assert [(s["uptime"], s["period_s"]) for s in steady["samples"]] == [(1.0, H), (1.0, 1.0)]
        # PATCHY's last heartbeat at 870 s keeps it live 60 s more: 930 s of the hour.
        assert [(round(s["uptime"], 6), s["period_s"]) for s in patchy["samples"]] == [
            (round(930 / H, 6), H),
            (0.0, 1.0),
        ]
        assert patchy["samples"][0]["at"] == 1_800_000_000.0 + H

        # Anyone can recompute the uptime part from the published samples; the feed did,
        # and the offers' routing metadata shows it, off the 0.5 prior.
        samples = tuple(UptimeSample.model_validate(s) for s in steady["samples"])
        expected = score(ProviderHistory(provider=STEADY.address, uptime=samples), clock.now())
        assert expected.parts.uptime > ScoreConfig().prior
        _routing_uptime(client, STEADY, expected.parts.uptime)

        never = client.get("/api/market/providers/0x" + "12" * 20 + "/uptime").json()
        assert never["samples"] == []
        bad = client.get("/api/market/providers/0x1234/uptime")
        assert bad.status_code == 422
    # A restart replays the log (then stops with a snapshot): the same samples.
    for _ in range(2):
        with TestClient(create_app(settings_for(url), clock)) as again:
            assert _uptime(again, STEADY) == steady
            assert _uptime(again, PATCHY) == patchy
