"""The whole marketplace, as `gpuc up` runs it: real anvil, three `gpuc oracle run`
processes (2 of 3), the matcher process, provider agent processes and the dev consumer's
job opener. Honest jobs are paid, a forging provider is slashed, a provider killed
mid-job lets the consumer recover, and an OpenAI-client batch waits for its price.

The tests share one market and run in file order; the last one moves chain time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from container_image import READ_MARKER, TRAIN_SCRIPT
from marketplace_helpers import embeddings_job, escrow_event, matmul_spec, wait_status

from gpuc.market.buy import fetch_result
from gpuc.market.consumer_jobs import recover_job
from gpuc.market.demo import CHEATER
from gpuc.market.image_upload import attach_image_archive
from gpuc.market.local_market import LocalMarket
from gpuc.market.plan import (
    CONTAINER_RESOURCE,
    EMBEDDINGS_RESOURCE,
    MATMUL_RESOURCE,
    MILLI,
    MarketPlan,
)
from gpuc.market.waiting import wait_until
from protocol.compute.container_result import unpack_result
from protocol.compute.container_spec import parse_container_spec
from protocol.job_history import job_history
from protocol.pricing import FixedPricing
from protocol.typed_data import JobStatus, JobTerms, job_id

pytestmark = pytest.mark.e2e

DISPUTE_WINDOW = 8
PLAN = MarketPlan(
    dispute_window_s=DISPUTE_WINDOW,
    accept_window_s=60,
    deadline_grace_s=20,
    agent_heartbeat_s=5.0,
    heartbeat_ttl_s=30.0,
    # This file recovers a killed provider's job by hand; test_failover_e2e.py covers the
    # opener doing it (and placing the work again) on its own.
    failover=None,
)
SETTLED = {JobStatus.SETTLED, JobStatus.SLASHED, JobStatus.REFUNDED}


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMarket]:
    with LocalMarket(PLAN, home=tmp_path_factory.mktemp("market")) as running:
        yield running


def _only_fill_terms(market: LocalMarket, order_id: str) -> JobTerms:
    order = wait_until(
        f"order {order_id} to fill", lambda: market.matcher.order(order_id).fills, timeout=10
    )
    assert len(order) == 1
    return order[0].terms


def test_honest_matmul_job_is_paid(market: LocalMarket) -> None:
    order = market.submitter.submit(
        MATMUL_RESOURCE, matmul_spec(11, n=128), max_price_wei=30 * MILLI
    )
    terms = _only_fill_terms(market, order.order_id)
    assert wait_status(market, terms, SETTLED, timeout=60) == JobStatus.SETTLED
    settled = escrow_event(market, "JobSettled", terms)
    assert settled["units"] == 1 and not settled["optimistic"]
    assert settled["providerPay"] + settled["fee"] + settled["burn"] == terms.price_per_unit
    # The agent that sold it saw it paid and pulled the payment.
    seller = next(p for p in market.providers.values() if p.address == terms.provider)
    wait_until("the payment claim", lambda: seller.events("payment_claimed"), timeout=20)


def test_honest_embeddings_job_is_paid(market: LocalMarket) -> None:
    spec, inputs = embeddings_job(21, count=4)
    order = market.submitter.submit(
        EMBEDDINGS_RESOURCE, spec, max_price_wei=3 * MILLI, inputs=inputs
    )
    terms = _only_fill_terms(market, order.order_id)
    assert wait_status(market, terms, SETTLED, timeout=120) == JobStatus.SETTLED
    settled = escrow_event(market, "JobSettled", terms)
    assert settled["units"] == 4
    assert settled["providerPay"] > 0 and settled["consumerRefund"] == 0


def test_limit_batch_from_openai_client_runs_only_after_the_price_drops(
    market: LocalMarket,
) -> None:
    limit = 2 * MILLI // 5  # 0.0004 GPUC per input: below every provider's price now
    lines = [
        {
            "custom_id": f"req-{i}",
            "method": "POST",
            "url": "/v1/embeddings",
            "body": {"model": EMBEDDINGS_RESOURCE, "input": f"sentence number {i}"},
        }
        for i in range(3)
    ]
    client = openai.OpenAI(
        base_url=market.matcher_url + "/v1", api_key=market.api_key(), max_retries=0
    )
    uploaded = client.files.create(
        file=("batch.jsonl", "\n".join(json.dumps(x) for x in lines).encode()), purpose="batch"
    )
    batch = client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/embeddings",
        completion_window="24h",
        metadata={"max_price_wei": str(limit)},
    )
    assert batch.status == "validating"
    time.sleep(3)  # several agent polls and opener polls: nothing may fill at this limit
    assert client.batches.retrieve(batch.id).status == "validating"
    cheapest = market.matcher.market(EMBEDDINGS_RESOURCE).price_wei
    assert cheapest is not None and cheapest > limit

    market.set_price("fixed", EMBEDDINGS_RESOURCE, FixedPricing(price_wei=limit // 2))
    try:
        done = wait_until(
            "the batch to complete",
            lambda: (b := client.batches.retrieve(batch.id)).status == "completed" and b,
            timeout=120,
        )
    finally:
        market.set_price("fixed", EMBEDDINGS_RESOURCE, FixedPricing(price_wei=2 * MILLI))
    assert done.in_progress_at is not None and done.in_progress_at >= batch.created_at + 3
    assert done.request_counts is not None and done.request_counts.completed == 3
    assert done.output_file_id is not None
    output = [json.loads(x) for x in client.files.content(done.output_file_id).text.splitlines()]
    vectors = [o["response"]["body"]["data"][0]["embedding"] for o in output]
    assert sorted(o["custom_id"] for o in output) == ["req-0", "req-1", "req-2"]
    assert all(len(v) == 384 for v in vectors)
    # On chain: opened by the consumer's opener at the lowered price, committed by the
    # provider, and paid by finalize once the dispute window passed undisputed.
    opened = [o for o in market.opener.opened.values() if o.fill.batch_id == batch.id]
    assert len(opened) == 1 and opened[0].fill.price_per_unit_wei == limit // 2
    terms = opened[0].fill.terms
    assert wait_status(market, terms, SETTLED, timeout=DISPUTE_WINDOW + 60) == JobStatus.SETTLED
    assert escrow_event(market, "JobSettled", terms)["optimistic"] is True


def test_forged_result_is_slashed_and_consumer_made_whole(market: LocalMarket) -> None:
    market.start_provider(CHEATER)  # the only matmul offer below 2 milli-GPUC
    try:
        consumer = market.consumer.address
        before = market.protocol.claimable(consumer)
        order = market.submitter.submit(
            MATMUL_RESOURCE, matmul_spec(31, n=128), max_price_wei=2 * MILLI
        )
        terms = _only_fill_terms(market, order.order_id)
        assert terms.provider == market.providers["cheater"].address
        assert wait_status(market, terms, SETTLED, timeout=60) == JobStatus.SLASHED
        slashed = escrow_event(market, "JobSlashed", terms)
        assert slashed["compensation"] > 0
        gained = market.protocol.claimable(consumer) - before
        assert gained == terms.budget + slashed["compensation"]
        assert market.providers["cheater"].events("result_forged")
    finally:
        market.providers["cheater"].child.stop()


def container_spec(image: str, script: str) -> dict[str, Any]:
    document = {
        "kind": "container",
        "image": image,
        "command": ["python3", "-c", script],
        "deterministic": True,
        "max_seconds": 60,
    }
    return parse_container_spec(document).as_json()


def test_container_task_runs_under_podman_streams_its_log_and_is_paid_per_second(
    market: LocalMarket, container_image: str
) -> None:
    script = (
        TRAIN_SCRIPT + "import time\nfor i in range(4):\n    print('tick', i)\n    time.sleep(1)\n"
    )
    order = market.submitter.submit(
        CONTAINER_RESOURCE, container_spec(container_image, script), max_price_wei=2 * MILLI
    )
    terms = _only_fill_terms(market, order.order_id)
    seller = next(p for p in market.providers.values() if p.address == terms.provider)
    wanted = job_id(terms).hex()
    started = wait_until(
        "the container job to start",
        lambda: [e for e in seller.events("job_started") if wanted in e.get("log_url", "")],
        timeout=60,
    )
    streamed = b""
    deadline = time.monotonic() + 10  # job_started comes a moment before its workdir
    while not streamed:
        with httpx.stream("GET", started[0]["log_url"], timeout=60) as response:
            if response.status_code == 200:
                streamed = b"".join(response.iter_bytes())
                break
        assert response.status_code == 404 and time.monotonic() < deadline, response
        time.sleep(0.05)
    assert wait_status(market, terms, SETTLED, timeout=90) == JobStatus.SETTLED
    settled = escrow_event(market, "JobSettled", terms)
    assert 4 <= settled["units"] <= 30 and not settled["optimistic"]
    paid = settled["providerPay"] + settled["fee"] + settled["burn"]
    assert paid == settled["units"] * terms.price_per_unit
    assert b"step 0 loss" in streamed and b"tick 3" in streamed
    (agent_started,) = seller.events("agent_started")
    assert agent_started["container_engine"] == "podman"
    assert agent_started["container_runtime"] == "runc" and agent_started["container_gpu"] is False
    # The provider's agent logs the same metrics the consumer reads in the result.
    executed = [e for e in seller.events("job_executed") if wanted in str(e.get("job"))]
    assert executed[0]["outputs"] == ["weights.npy"]
    assert executed[0]["metrics"]["memory_peak_bytes"] > 0


def test_a_consumers_own_image_archive_is_run_rerun_and_paid(
    market: LocalMarket, consumer_image: tuple[str, Path, str]
) -> None:
    """The image the engine lacks comes as a `podman save` archive (~109 MB, 16 MiB
    chunks) through the document store; the provider loads it before accepting, the
    oracles (every deterministic task re-run here) judge it, and the result holds what
    only that image could write."""
    image_id, archive, marker = consumer_image
    documents = market.submitter.documents_url
    wanted = {"kind": "container", "command": ["python3", "-c", READ_MARKER],
              "deterministic": True, "max_seconds": 60}  # fmt: skip
    with httpx.Client(timeout=60) as http:
        spec = attach_image_archive(http, documents, wanted, archive)
        assert spec["image"] == image_id
        order = market.submitter.submit(CONTAINER_RESOURCE, spec, max_price_wei=2 * MILLI)
        terms = _only_fill_terms(market, order.order_id)
        assert wait_status(market, terms, SETTLED, timeout=180) == JobStatus.SETTLED
        assert not escrow_event(market, "JobSettled", terms)["optimistic"]
        digest = job_history(market.protocol, terms).result_hash
        assert digest is not None
        result, _ = fetch_result(http, [documents], digest)
    assert unpack_result(result).outputs == {"marker.txt": marker.encode()}
    seller = next(p for p in market.providers.values() if p.address == terms.provider)
    posted = [e for e in seller.events("receipt_posted") if job_id(terms).hex() in str(e["job"])]
    assert posted and posted[0]["oracles_taken"] >= 2


def test_container_cheat_is_caught_by_re_execution_and_slashed(
    market: LocalMarket, container_image: str
) -> None:
    cheater = CHEATER.model_copy(
        update={
            "name": "box-cheater",
            "account": 8,
            "container": FixedPricing(price_wei=MILLI // 10),
        }
    )
    market.start_provider(cheater)  # the only container offer below 1 milli-GPUC
    try:
        consumer = market.consumer.address
        before = market.protocol.claimable(consumer)
        order = market.submitter.submit(
            CONTAINER_RESOURCE,
            container_spec(container_image, TRAIN_SCRIPT),
            max_price_wei=MILLI // 2,
        )
        terms = _only_fill_terms(market, order.order_id)
        assert terms.provider == market.providers["box-cheater"].address
        assert wait_status(market, terms, SETTLED, timeout=90) == JobStatus.SLASHED
        slashed = escrow_event(market, "JobSlashed", terms)
        gained = market.protocol.claimable(consumer) - before
        assert gained == terms.budget + slashed["compensation"]
        forged = market.providers["box-cheater"].events("result_forged")
        assert forged and forged[0]["strategy"] == "fabricated"
    finally:
        market.providers["box-cheater"].child.stop()


def test_provider_killed_mid_job_lets_consumer_recover(market: LocalMarket) -> None:
    victim = CHEATER.model_copy(update={"name": "victim", "account": 7, "cheat": False})
    market.start_provider(victim)  # the only matmul offer below 2 milli-GPUC
    running = market.providers["victim"]
    order = market.submitter.submit(
        MATMUL_RESOURCE, matmul_spec(41, n=128), max_price_wei=2 * MILLI
    )
    terms = _only_fill_terms(market, order.order_id)
    assert terms.provider == running.address
    wait_until(  # opened accepted with its signed acceptance, or accepted on chain
        "the victim to accept",
        lambda: running.events("job_accepted_at_open") or running.events("job_accepted"),
        30,
        interval=0.05,
    )
    running.child.stop(kill=True)  # SIGKILL by PID: gone mid-job, no receipt
    time.sleep(2)
    assert market.protocol.job(terms).status == JobStatus.ACCEPTED
    assert recover_job(market.consumer, terms) is None  # not before the deadline
    # Jump past deadline + dispute window instead of waiting for them.
    assert market.chain is not None
    market.chain.increase_time(terms.deadline - market.protocol.now() + DISPUTE_WINDOW + 5)
    market.chain.mine()
    before = market.protocol.claimable(market.consumer.address)
    assert recover_job(market.consumer, terms) is not None
    assert market.protocol.job(terms).status == JobStatus.SLASHED
    slashed = escrow_event(market, "JobSlashed", terms)
    gained = market.protocol.claimable(market.consumer.address) - before
    assert gained == terms.budget + slashed["compensation"] and slashed["compensation"] > 0
    amount, _ = market.consumer.claim()
    assert amount >= gained


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_gpuc_up_starts_and_stops_cleanly(tmp_path: Path) -> None:
    gpuc = [sys.executable, "-m", "gpuc.cli", "up", "--json", "--dispute-window", "5"]
    process = subprocess.Popen(
        gpuc, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line, process.stderr.read() if process.stderr else ""
        summary = json.loads(line)
        children = _descendants(process.pid)
        # anvil, 3 oracles, the matcher, 3 providers and the LLM provider: all children
        # of gpuc up.
        assert set(summary["pids"]) <= set(children) and len(summary["pids"]) == 9
        assert len(summary["llm_providers"]) == 1
        market = openai.OpenAI(base_url=summary["openai_base_url"], api_key="x", max_retries=0)
        assert market.base_url.host == "127.0.0.1"
        temp_dirs = {Path(p["log"]).parents[2] for p in summary["providers"].values()}
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=90) == 0
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    assert [pid for pid in children if _alive(pid)] == []
    assert not any(d.exists() for d in temp_dirs)
