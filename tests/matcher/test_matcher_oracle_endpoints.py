"""The oracle endpoint list: a member's wallet publishes, moves and withdraws only its own
entry; anyone reads it; unsigned or malformed requests change nothing; entries survive a
restart (they are in the matcher's database)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from matcher_api_helpers import Wallet, send, settings_for

from matcher.api import create_app
from matcher.book.clock import ManualClock
from protocol.oracle_endpoints import merged_oracle_urls

ORACLE = Wallet(0xA11CE)
OTHER = Wallet(0xB0B)


def _listed(client: TestClient) -> dict[str, str]:
    answer = client.get("/api/oracles")
    assert answer.status_code == 200
    return {e["address"]: e["url"] for e in answer.json()["oracles"]}


def test_publish_move_withdraw(client: TestClient, clock: ManualClock) -> None:
    assert _listed(client) == {}
    r = send(client, clock.now(), ORACLE, "PUT", "/api/oracles/me", {"url": "http://10.0.0.1:8701"})
    assert r.status_code == 200, r.text
    send(client, clock.now(), OTHER, "PUT", "/api/oracles/me", {"url": "https://o2.example"})
    r = send(client, clock.now(), ORACLE, "PUT", "/api/oracles/me", {"url": "http://10.0.0.9:8701"})
    assert r.json()["address"] == ORACLE.address
    assert _listed(client) == {
        ORACLE.address: "http://10.0.0.9:8701",
        OTHER.address: "https://o2.example",
    }
    r = send(client, clock.now(), ORACLE, "DELETE", "/api/oracles/me")
    assert r.status_code == 200
    assert _listed(client) == {OTHER.address: "https://o2.example"}


def test_bad_requests_change_nothing(client: TestClient, clock: ManualClock) -> None:
    unsigned = client.put("/api/oracles/me", json={"url": "http://10.0.0.1:1"})
    assert unsigned.status_code == 401
    for bad in (
        {"url": "ftp://x.example"},
        {"url": "http://a b"},
        {"url": 5},
        {},
        {"url": "http://x.example", "extra": 1},
    ):
        r = send(client, clock.now(), ORACLE, "PUT", "/api/oracles/me", bad)
        assert r.status_code == 422, (bad, r.text)
    assert _listed(client) == {}


def test_entries_survive_a_restart(sqlite_url: str, clock: ManualClock) -> None:
    with TestClient(create_app(settings_for(sqlite_url), clock)) as client:
        send(client, clock.now(), ORACLE, "PUT", "/api/oracles/me", {"url": "http://10.0.0.1:8701"})
    with TestClient(create_app(settings_for(sqlite_url), clock)) as client:
        assert _listed(client) == {ORACLE.address: "http://10.0.0.1:8701"}


def test_discovered_urls_are_added_once() -> None:
    merged = merged_oracle_urls(
        ["http://a:1/", "http://b:2"], {"0x1": "http://b:2/", "0x2": "http://c:3", "0x3": None}
    )
    assert merged == ["http://a:1", "http://b:2", "http://c:3"]
