"""Routing over HTTP: offers and /api/market carry per-offer routing metadata from the
reputation source (here a fixed table standing in for the chain reader, which the
failover e2e covers), orders take a minimum reputation, a reliability preference and a
provider exclusion list, and a restart replays the same routing."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from matcher_api_helpers import (
    CHAIN_ID,
    Wallet,
    offer_payload,
    order_payload,
    send,
    settings_for,
)

from matcher.api import create_app
from matcher.auth.api_key import make_api_key
from matcher.book.clock import ManualClock
from matcher.routing import ProviderRouting, newcomer
from matcher.routing.chain_source import Uptime
from protocol.matcher_client import MatcherClient
from protocol.reputation import RoutingPreference
from protocol.wallet import Wallet as SdkWallet

FLAKY, SOLID, NEW, C = Wallet(51), Wallet(52), Wallet(53), Wallet(54)


def _known(address: str, fail: float) -> ProviderRouting:
    return newcomer(address).model_copy(
        update={
            "score": 1 - fail,
            "failure_probability": fail,
            "reliability": 1 - fail,
            "provisional": False,
            "jobs": 10,
            "completed": 10 - int(10 * fail),
            "failed": int(10 * fail),
            "accept_latency_s": 2.5,
        }
    )


def source(providers: Sequence[str], uptime: Uptime) -> list[ProviderRouting]:
    del uptime  # fixed reputations here; tests/matcher/test_matcher_uptime_api.py feeds it
    table = {FLAKY.address.lower(): 0.4, SOLID.address.lower(): 0.02}
    return [_known(p, table[p.lower()]) for p in providers if p.lower() in table]


def _wait_routing(client: TestClient) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        offers = client.get("/api/market/offers", params={"resource": "h100"}).json()
        if sum(o["routing"]["reputation"]["jobs"] > 0 for o in offers) == 2:
            return list(offers)
        time.sleep(0.05)
    raise AssertionError("routing metadata never arrived")


def _register(client: TestClient, clock: ManualClock) -> None:
    for wallet, price in ((FLAKY, 90), (SOLID, 100), (NEW, 85)):
        payload = offer_payload("h100", price=price, capacity=10)
        assert send(client, clock.now(), wallet, "POST", "/api/market/offers", payload).is_success


def _buy(client: TestClient, clock: ManualClock, **routing: Any) -> Any:
    payload = {**order_payload("market", 5, 200, "h100"), "all_or_none": True, **routing}
    return send(client, clock.now(), C, "POST", "/api/market/orders", payload)


def test_offers_and_market_carry_routing_metadata_and_orders_route_by_it(
    tmp_path: Path, clock: ManualClock
) -> None:
    url = f"sqlite:///{tmp_path / 'matcher.db'}"
    app = create_app(settings_for(url), clock, reputation_source=source, routing_refresh_s=0.02)
    with TestClient(app) as client:
        _register(client, clock)
        offers = {o["owner"]: o["routing"] for o in _wait_routing(client)}
        solid = offers[SOLID.address]
        assert solid["reputation"]["completed"] == 10 and solid["reputation"]["failed"] == 0
        assert solid["reputation"]["accept_latency_s"] == 2.5
        assert solid["measured_units_per_s"] == 10 and solid["device_class"] == "NVIDIA H100 80GB"
        assert offers[NEW.address]["reputation"]["provisional"] is True
        market = client.get("/api/market", params={"resource": "h100"}).json()["markets"][0]
        assert [o["owner"] for o in market["offers"]] == [NEW.address, FLAKY.address, SOLID.address]
        assert all("reputation" in o["routing"] for o in market["offers"])

        cheapest = _buy(client, clock).json()
        assert cheapest["fills"][0]["provider"] == NEW.address and cheapest["routing"] is None
        reliable = _buy(client, clock, reliability=0.5).json()
        assert reliable["fills"][0]["provider"] == SOLID.address
        assert reliable["routing"]["reliability"] == 0.5
        no_new = _buy(client, clock, min_reputation=0.55).json()
        assert no_new["fills"][0]["provider"] == FLAKY.address
        excluded = _buy(client, clock, exclude_providers=[NEW.address, FLAKY.address]).json()
        assert excluded["fills"][0]["provider"] == SOLID.address
        bad = _buy(client, clock, min_reputation=1.5)
        assert bad.status_code == 422 and "min_reputation" in bad.text
    # A restart replays SetRouting with the orders: the same providers filled them.
    with TestClient(create_app(settings_for(url), clock)) as again:
        order = again.get(f"/api/market/orders/{reliable['order_id']}").json()
        assert order["fills"][0]["provider"] == SOLID.address
        routed = again.get("/api/market/offers", params={"owner": SOLID.address}).json()
        assert routed[0]["routing"]["reputation"]["failure_probability"] == 0.02


def test_batch_metadata_routes_by_reputation(tmp_path: Path, clock: ManualClock) -> None:
    url = f"sqlite:///{tmp_path / 'matcher.db'}"
    app = create_app(settings_for(url), clock, reputation_source=source, routing_refresh_s=0.02)
    key = make_api_key(C.key, chain_id=CHAIN_ID, expiry=int(clock.now()) + 3600)
    auth = {"authorization": f"Bearer {key}"}
    lines = [
        {
            "custom_id": f"r{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "llama-3-70b", "messages": [{"role": "user", "content": "hi"}]},
        }
        for i in range(2)
    ]
    jsonl = "\n".join(json.dumps(x) for x in lines).encode()
    with TestClient(app) as client:
        for wallet, price in ((FLAKY, 90), (SOLID, 100), (NEW, 85)):
            payload = offer_payload("llama-3-70b", price=price, capacity=10)
            assert send(client, clock.now(), wallet, "POST", "/api/market/offers", payload)
        deadline = time.monotonic() + 10
        while app.state.service.engine.book.routing.get(SOLID.address).jobs == 0:
            assert time.monotonic() < deadline, "routing never arrived"
            time.sleep(0.02)
        uploaded = client.post(
            "/v1/files",
            headers=auth,
            files={"file": ("b.jsonl", jsonl)},
            data={"purpose": "batch"},
        ).json()

        def batch(metadata: dict[str, str]) -> Any:
            return client.post(
                "/v1/batches",
                headers=auth,
                json={
                    "input_file_id": uploaded["id"],
                    "endpoint": "/v1/chat/completions",
                    "completion_window": "24h",
                    "metadata": {"max_price_wei": "200", **metadata},
                },
            )

        created = batch({"reliability": "0.5"})
        assert created.status_code == 200, created.text
        engine = app.state.service.engine
        order = engine.book.order(engine.batches.get(created.json()["id"]).order_id)
        assert [f.provider for f in order.fills] == [SOLID.address]
        bad = batch({"min_reputation": "high"})
        assert bad.status_code in (400, 422) and "metadata.min_reputation" in bad.text


def test_sdk_client_sends_routing_and_exclusions(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())  # the SDK signs with the wall clock
    url = f"sqlite:///{tmp_path / 'matcher.db'}"
    app = create_app(settings_for(url), clock, reputation_source=source, routing_refresh_s=0.02)
    with TestClient(app) as http:
        _register(http, clock)
        _wait_routing(http)
        client = MatcherClient(
            str(http.base_url),
            chain_id=CHAIN_ID,
            wallet=SdkWallet.from_private_key(C.key),
            http=http,
        )
        spec = bytes(32)
        reliable = client.place_order(
            "h100", units=5, max_price_wei=200, spec=spec, kind="market",
            routing=RoutingPreference(reliability=0.5),
        )  # fmt: skip
        assert reliable.fills[0].provider == SOLID.address
        assert reliable.routing == RoutingPreference(reliability=0.5)
        blocked = client.place_order(
            "h100", units=5, max_price_wei=200, spec=spec, kind="market",
            routing=RoutingPreference(reliability=0.0, blocked=frozenset({NEW.address})),
        )  # fmt: skip
        assert blocked.fills[0].provider == FLAKY.address
        assert blocked.exclude_providers == [NEW.address.lower()]


def test_batch_lines_a_provider_failed_are_answered_by_another(
    tmp_path: Path, clock: ManualClock
) -> None:
    first, second = Wallet(61), Wallet(62)
    url = f"sqlite:///{tmp_path / 'matcher.db'}"
    key = make_api_key(C.key, chain_id=CHAIN_ID, expiry=int(clock.now()) + 3600)
    auth = {"authorization": f"Bearer {key}"}
    lines = [
        {
            "custom_id": f"r{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "llama-3-70b", "messages": [{"role": "user", "content": f"q{i}"}]},
        }
        for i in range(3)
    ]
    jsonl = "\n".join(json.dumps(x) for x in lines).encode()

    def answer(client: TestClient, wallet: Wallet, fail: set[str]) -> dict[str, Any]:
        fills = client.get(f"/api/market/offers/{offers[wallet.address]}/fills").json()
        fill = fills[-1]
        got = send(client, clock.now(), wallet, "GET", f"/api/market/fills/{fill['fill_id']}/input")
        asked = [json.loads(x)["custom_id"] for x in got.text.splitlines()]
        results = [
            {"custom_id": c, "error": {"code": "oom", "message": "no memory"}}
            if c in fail
            else {"custom_id": c, "body": {"answer": c}}
            for c in asked
        ]
        path = f"/api/market/fills/{fill['fill_id']}/result"
        done = send(client, clock.now(), wallet, "POST", path, {"results": results})
        assert done.status_code == 200, done.text
        return {"asked": asked, **done.json()}

    with TestClient(create_app(settings_for(url), clock)) as client:
        offers = {}
        for wallet, price in ((first, 90), (second, 100)):
            payload = offer_payload("llama-3-70b", price=price, capacity=10)
            r = send(client, clock.now(), wallet, "POST", "/api/market/offers", payload)
            offers[wallet.address] = r.json()["offer_id"]
        uploaded = client.post(
            "/v1/files", headers=auth, files={"file": ("b.jsonl", jsonl)}, data={"purpose": "batch"}
        ).json()
        batch = client.post(
            "/v1/batches",
            headers=auth,
            json={
                "input_file_id": uploaded["id"],
                "endpoint": "/v1/chat/completions",
                "completion_window": "24h",
                "metadata": {"max_price_wei": "200"},
            },
        ).json()
        assert batch["status"] == "in_progress"  # filled by the cheaper provider at once

        one = answer(client, first, fail={"r1"})
        assert one["asked"] == ["r0", "r1", "r2"] and one["output_file_id"] is None
        two = answer(client, second, fail=set())
        assert two["asked"] == ["r1"]  # only the failed line, on the other provider

        done = client.get(f"/v1/batches/{batch['id']}", headers=auth).json()
        assert done["status"] == "completed"
        assert done["request_counts"] == {"total": 3, "completed": 3, "failed": 0}
        content = client.get(f"/v1/files/{done['output_file_id']}/content", headers=auth).text
        output = [json.loads(x) for x in content.splitlines()]
        assert [(o["custom_id"], o["provider"]) for o in output] == [
            ("r0", first.address),
            ("r1", second.address),
            ("r2", first.address),
        ]
        assert output[1]["response"]["body"] == {"answer": "r1"}
    # A restart replays the retry: same batch, same answers.
    with TestClient(create_app(settings_for(url), clock)) as again:
        replayed = again.get(f"/v1/batches/{batch['id']}", headers=auth).json()
        assert (
            replayed["status"] == "completed"
            and replayed["output_file_id"] == done["output_file_id"]
        )
