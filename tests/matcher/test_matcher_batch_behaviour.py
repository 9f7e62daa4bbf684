"""The Batch API behaves like OpenAI's (issue 13, defect 7): cancelling then cancelled
and nothing runs after a cancel; a model nobody offers is refused at creation; a bad
line is reported in the batch's errors, not by refusing the upload; the price paid and
the on-chain job id are in the batch's metadata."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from matcher_api_helpers import CHAIN_ID, Wallet, offer_payload, send

from matcher.auth.api_key import make_api_key
from matcher.book.clock import ManualClock

P, C = Wallet(111), Wallet(112)
LINE = {
    "custom_id": "a",
    "method": "POST",
    "url": "/v1/chat/completions",
    "body": {"model": "llama-3-70b", "messages": [{"role": "user", "content": "hi"}]},
}


def _jsonl(*lines: Any) -> bytes:
    return b"\n".join(x if isinstance(x, bytes) else json.dumps(x).encode() for x in lines)


class Api:
    def __init__(self, client: TestClient, clock: ManualClock) -> None:
        self.client, self.clock = client, clock
        key = make_api_key(C.key, chain_id=CHAIN_ID, expiry=int(clock.now()) + 3600)
        self.auth = {"Authorization": f"Bearer {key}"}

    def offer(self, price: int) -> str:
        r = send(
            self.client,
            self.clock.now(),
            P,
            "POST",
            "/api/market/register",
            offer_payload(price=price),
        )
        assert r.status_code == 201, r.text
        return str(r.json()["offer_id"])

    def reprice(self, offer_id: str, price: int) -> None:
        patch = {"strategy": {"kind": "fixed", "price_wei": price}}
        r = send(self.client, self.clock.now(), P, "PATCH", f"/api/market/offers/{offer_id}", patch)
        assert r.status_code == 200, r.text

    def upload(self, content: bytes) -> Any:
        return self.client.post(
            "/v1/files",
            files={"file": ("in.jsonl", content)},
            data={"purpose": "batch"},
            headers=self.auth,
        )

    def create(self, file_id: str, price: int = 50) -> Any:
        body = {
            "input_file_id": file_id,
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
            "metadata": {"max_price_wei": str(price)},
        }
        return self.client.post("/v1/batches", json=body, headers=self.auth)

    def batch(self, batch_id: str) -> Any:
        return self.client.get(f"/v1/batches/{batch_id}", headers=self.auth).json()

    def cancel(self, batch_id: str) -> Any:
        return self.client.post(f"/v1/batches/{batch_id}/cancel", headers=self.auth).json()


def test_a_waiting_batch_is_cancelling_then_cancelled_and_never_runs(
    client: TestClient, clock: ManualClock
) -> None:
    api = Api(client, clock)
    offer_id = api.offer(100)
    batch = api.create(api.upload(_jsonl(LINE)).json()["id"]).json()
    assert batch["status"] == "validating"
    assert api.cancel(batch["id"])["status"] == "cancelling"
    clock.advance(2)
    api.reprice(offer_id, 40)  # would have filled it
    after = api.batch(batch["id"])
    assert after["status"] == "cancelled"
    assert after["cancelling_at"] is not None and after["cancelled_at"] >= after["cancelling_at"]
    assert after["output_file_id"] is None
    assert client.get(f"/api/market/offers/{offer_id}/fills").json() == []


def test_a_running_batch_cancelled_delivers_nothing_more(
    client: TestClient, clock: ManualClock
) -> None:
    api = Api(client, clock)
    offer_id = api.offer(40)
    batch = api.create(api.upload(_jsonl(LINE)).json()["id"]).json()
    assert batch["status"] == "in_progress"
    fill = client.get(f"/api/market/offers/{offer_id}/fills").json()[0]
    assert api.cancel(batch["id"])["status"] == "cancelling"
    r = send(client, clock.now(), P, "GET", f"/api/market/fills/{fill['fill_id']}/input", None)
    assert r.status_code == 409, r.text
    results = {"results": [{"custom_id": "a", "body": {"object": "chat.completion"}}]}
    r = send(client, clock.now(), P, "POST", f"/api/market/fills/{fill['fill_id']}/result", results)
    assert r.status_code == 200, r.text
    after = api.batch(batch["id"])
    assert (after["status"], after["output_file_id"]) == ("cancelled", None)


def test_a_batch_for_a_model_nobody_offers_is_refused_at_creation(
    client: TestClient, clock: ManualClock
) -> None:
    api = Api(client, clock)
    api.offer(100)  # llama-3-70b only
    other = {**LINE, "body": {**LINE["body"], "model": "llama-3-8b"}}
    r = api.create(api.upload(_jsonl(other)).json()["id"])
    assert r.status_code == 422, r.text
    message = r.json()["error"]["message"]
    assert "llama-3-8b" in message and "llama-3-70b" in message


def test_bad_lines_are_batch_errors_not_a_refused_upload(
    client: TestClient, clock: ManualClock
) -> None:
    api = Api(client, clock)
    api.offer(40)
    content = _jsonl(
        LINE, {**LINE, "custom_id": "b", "body": "not an object"}, b"{broken", {**LINE}
    )
    uploaded = api.upload(content)
    assert uploaded.status_code == 200, uploaded.text
    batch = api.create(uploaded.json()["id"]).json()
    assert batch["status"] == "failed"
    assert batch["failed_at"] is not None
    errors = batch["errors"]
    assert errors["object"] == "list"
    assert [(e["line"], e["code"]) for e in errors["data"]] == [
        (2, "invalid_request"),
        (3, "invalid_json_line"),
        (4, "duplicate_custom_id"),
    ]
    assert "body must be a JSON object" in errors["data"][0]["message"]
    assert api.batch(batch["id"])["status"] == "failed"


def test_the_price_paid_and_job_id_are_in_the_batch_metadata(
    client: TestClient, clock: ManualClock
) -> None:
    api = Api(client, clock)
    offer_id = api.offer(40)
    batch = api.create(api.upload(_jsonl(LINE)).json()["id"]).json()
    fill = client.get(f"/api/market/offers/{offer_id}/fills").json()[0]
    metadata = api.batch(batch["id"])["metadata"]
    assert metadata["max_price_wei"] == "50"
    assert metadata["gpuc_price_per_unit_wei"] == "40"
    assert metadata["gpuc_cost_wei"] == fill["cost_wei"]
    assert metadata["gpuc_job_ids"] == fill["job_id"]
