"""The official `openai` package, unchanged, runs a batch through the live API."""

from __future__ import annotations

import json
import time

import httpx
import openai
import pytest
from matcher_api_helpers import CHAIN_ID, Wallet, offer_payload, send

from matcher.auth.api_key import make_api_key

REQUESTS = [
    {
        "custom_id": f"req-{i}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "llama-3-70b",
            "messages": [{"role": "user", "content": f"say {i}"}],
            "max_tokens": 500,
        },
    }
    for i in range(3)
]
JSONL = "\n".join(json.dumps(r) for r in REQUESTS).encode()


def wait_for(predicate, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def test_batch_waits_for_price_then_runs_and_returns_openai_output(live_server) -> None:  # type: ignore[no-untyped-def]
    provider = Wallet(101)
    consumer = Wallet(102)
    http = httpx.Client(base_url=live_server.url, timeout=10)
    offer = send(
        http, time.time(), provider, "POST", "/api/market/register", offer_payload(price=100)
    )
    assert offer.status_code == 201, offer.text
    offer_id = offer.json()["offer_id"]

    client = openai.OpenAI(
        base_url=f"{live_server.url}/v1",
        api_key=make_api_key(consumer.key, chain_id=CHAIN_ID, expiry=int(time.time()) + 3600),
        max_retries=0,
    )
    uploaded = client.files.create(file=("requests.jsonl", JSONL), purpose="batch")
    assert uploaded.purpose == "batch" and uploaded.bytes == len(JSONL)
    assert client.files.retrieve(uploaded.id).id == uploaded.id
    assert client.files.content(uploaded.id).content == JSONL

    batch = client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"max_price_wei": "50"},
    )
    # The market asks 100 wei per unit, the batch bids 50: it waits.
    assert batch.status == "validating"
    assert batch.request_counts is not None and batch.request_counts.total == 3
    assert client.batches.retrieve(batch.id).status == "validating"
    # the batch object itself says what "validating" means here
    assert batch.metadata is not None and batch.metadata["max_price_wei"] == "50"
    assert "waiting for a price" in batch.metadata["gpuc_status"]

    # The provider drops its price to 40: the batch fills and goes to work.
    patch = {"strategy": {"kind": "fixed", "price_wei": 40}}
    r = send(http, time.time(), provider, "PATCH", f"/api/market/offers/{offer_id}", patch)
    assert r.status_code == 200, r.text
    running = client.batches.retrieve(batch.id)
    assert running.status == "in_progress"
    assert "gpuc_status" not in (running.metadata or {})

    # The provider finds the job, reads the requests and answers them.
    fills = http.get(f"/api/market/offers/{offer_id}/fills").json()
    assert [f["batch_id"] for f in fills] == [batch.id]
    fill = fills[0]
    assert fill["price_per_unit_wei"] == "40"  # a decimal string on the wire
    assert fill["terms"]["budget"] == str(fill["units"] * 40)
    assert fill["terms"]["consumer"] == consumer.address
    r = send(http, time.time(), provider, "GET", f"/api/market/fills/{fill['fill_id']}/input", None)
    assert r.status_code == 200 and r.content == JSONL
    lines = [json.loads(x) for x in r.text.splitlines()]
    results = [
        {
            "custom_id": line["custom_id"],
            "body": {"object": "chat.completion", "echo": line["body"]["messages"][0]["content"]},
        }
        for line in lines[:2]
    ] + [{"custom_id": lines[2]["custom_id"], "error": {"code": "oom", "message": "too long"}}]
    r = send(
        http,
        time.time(),
        provider,
        "POST",
        f"/api/market/fills/{fill['fill_id']}/result",
        {"results": results},
    )
    assert r.status_code == 200, r.text

    done = client.batches.retrieve(batch.id)
    assert done.status == "completed"
    assert done.request_counts is not None
    assert (done.request_counts.completed, done.request_counts.failed) == (2, 1)
    assert done.output_file_id and done.error_file_id
    output = [json.loads(x) for x in client.files.content(done.output_file_id).text.splitlines()]
    assert [o["custom_id"] for o in output] == ["req-0", "req-1"]
    assert output[1]["response"]["status_code"] == 200
    assert output[1]["response"]["body"]["echo"] == "say 1"
    assert output[0]["error"] is None and output[0]["id"].startswith("batch_req_")
    errors = [json.loads(x) for x in client.files.content(done.error_file_id).text.splitlines()]
    assert errors == [
        {
            "id": errors[0]["id"],
            "custom_id": "req-2",
            "response": None,
            "error": {"code": "oom", "message": "too long"},
            "provider": provider.address,  # which provider answered the line
        }
    ]
    assert {o["provider"] for o in output} == {provider.address}

    # A second batch below the market is cancelled while it waits.
    second = client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"max_price_wei": "10"},
    )
    assert second.status == "validating"
    assert client.batches.cancel(second.id).status == "cancelling"  # as OpenAI's
    wait_for(lambda: client.batches.retrieve(second.id).status == "cancelled")
    listed = client.batches.list(limit=10)
    assert [b.id for b in listed.data] == [second.id, batch.id]


def test_openai_client_sees_precise_errors(live_server) -> None:  # type: ignore[no-untyped-def]
    consumer = Wallet(103)
    key = make_api_key(consumer.key, chain_id=CHAIN_ID, expiry=int(time.time()) + 3600)
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=key, max_retries=0)
    # A bad line is accepted at upload and reported in the batch's errors (as OpenAI).
    bad = client.files.create(file=("bad.jsonl", b"this is not json\n"), purpose="batch")
    failed = client.batches.create(
        input_file_id=bad.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"max_price_wei": "10"},
    )
    assert failed.status == "failed" and failed.errors is not None
    assert failed.errors.data is not None and "line 1: not JSON" in str(
        failed.errors.data[0].message
    )
    uploaded = client.files.create(file=("ok.jsonl", JSONL), purpose="batch")
    with pytest.raises(openai.UnprocessableEntityError, match=r"metadata\.max_price_wei"):
        client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    with pytest.raises(openai.NotFoundError):
        client.batches.retrieve("batch_missing")
    other = openai.OpenAI(
        base_url=f"{live_server.url}/v1",
        api_key=make_api_key(Wallet(104).key, chain_id=CHAIN_ID, expiry=int(time.time()) + 3600),
        max_retries=0,
    )
    with pytest.raises(openai.NotFoundError):  # another key's file is invisible
        other.files.retrieve(uploaded.id)
    expired = openai.OpenAI(
        base_url=f"{live_server.url}/v1",
        api_key=make_api_key(consumer.key, chain_id=CHAIN_ID, expiry=int(time.time()) - 1),
        max_retries=0,
    )
    with pytest.raises(openai.AuthenticationError, match="expired"):
        expired.batches.list()
