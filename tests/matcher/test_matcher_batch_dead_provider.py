"""A batch whose provider dies without answering moves to another provider within the
batch's window (matcher/api/batch_moves.py): the dead provider's offers leave the book
after the heartbeat TTL, the matcher's mover places every unanswered line again without
it, the other provider answers, and a late answer from the dead one is refused. A restart
replays the move."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from matcher_api_helpers import CHAIN_ID, Wallet, offer_payload, send, settings_for

from matcher.api import create_app
from matcher.auth.api_key import make_api_key
from matcher.book.clock import ManualClock

CONSUMER, DEAD, ALIVE = Wallet(81), Wallet(82), Wallet(83)


def _fills(client: TestClient, offer_id: str) -> list[dict[str, Any]]:
    return list(client.get(f"/api/market/offers/{offer_id}/fills").json())


def test_a_dead_providers_batch_is_answered_by_another(tmp_path: Path, clock: ManualClock) -> None:
    url = f"sqlite:///{tmp_path / 'matcher.db'}"
    key = make_api_key(CONSUMER.key, chain_id=CHAIN_ID, expiry=int(clock.now()) + 3600)
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
    settings = settings_for(url)
    with TestClient(create_app(settings, clock, batch_move_s=0.05)) as client:
        offers = {}
        for wallet, price in ((DEAD, 90), (ALIVE, 100)):
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
        assert batch["status"] == "in_progress"
        [dead_fill] = _fills(client, offers[DEAD.address])  # the cheaper provider took it
        time.sleep(0.3)
        assert _fills(client, offers[ALIVE.address]) == []  # alive: nothing moves

        # DEAD stops heartbeating; ALIVE keeps on. Past the TTL the book drops DEAD.
        path = f"/api/market/offers/{offers[ALIVE.address]}/heartbeat"
        for _ in range(2):
            clock.advance(settings.book.heartbeat_ttl_s / 2 + 1)
            assert send(client, clock.now(), ALIVE, "POST", path).status_code == 200
        deadline = time.monotonic() + 10
        while not _fills(client, offers[ALIVE.address]):
            assert time.monotonic() < deadline, "the batch was not moved"
            time.sleep(0.05)
        [moved] = _fills(client, offers[ALIVE.address])
        assert client.get(f"/v1/batches/{batch['id']}", headers=auth).json()["status"] == (
            "in_progress"
        )

        # The dead provider comes back late: its fill no longer runs the batch.
        late = send(
            client,
            clock.now(),
            DEAD,
            "POST",
            f"/api/market/fills/{dead_fill['fill_id']}/result",
            {"results": [{"custom_id": "r0", "body": {"answer": "late"}}]},
        )
        assert late.status_code == 409 and "moved" in late.text

        got = send(client, clock.now(), ALIVE, "GET", f"/api/market/fills/{moved['fill_id']}/input")
        asked = [json.loads(x)["custom_id"] for x in got.text.splitlines()]
        assert asked == ["r0", "r1", "r2"]  # every line: none was answered
        results = [{"custom_id": c, "body": {"answer": c}} for c in asked]
        path = f"/api/market/fills/{moved['fill_id']}/result"
        assert send(client, clock.now(), ALIVE, "POST", path, {"results": results}).is_success
        done = client.get(f"/v1/batches/{batch['id']}", headers=auth).json()
        assert done["status"] == "completed"
        assert done["request_counts"] == {"total": 3, "completed": 3, "failed": 0}
        content = client.get(f"/v1/files/{done['output_file_id']}/content", headers=auth).text
        assert {json.loads(x)["provider"] for x in content.splitlines()} == {ALIVE.address}
    with TestClient(create_app(settings, clock)) as again:  # the move is in the log
        replayed = again.get(f"/v1/batches/{batch['id']}", headers=auth).json()
        assert replayed["status"] == "completed"
        assert replayed["output_file_id"] == done["output_file_id"]
