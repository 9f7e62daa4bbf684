"""Automatic failover on the whole marketplace (real anvil, oracles, matcher, provider
agents): the consumer's job opener moves work off a provider that never accepts, and the
work completes elsewhere, the failed attempt's budget refunded; batch lines a provider
failed are answered by another provider. A provider killed holding a job (the work moves
once its budget is back) and one that goes silent and comes back (paid once, the work
never moved) are in test_one_tx_start_e2e.py, whose deadlines are short.

The tests share one market and run in file order."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from marketplace_helpers import escrow_event, matmul_spec, wait_status

from gpuc.market.local_market import LocalMarket
from gpuc.market.plan import EMBEDDINGS_RESOURCE, MATMUL_RESOURCE, MILLI, MarketPlan
from gpuc.market.waiting import wait_until
from protocol.failover import FailoverPolicy
from protocol.matcher_client import MatcherClient, MatcherRefused
from protocol.pricing import FixedPricing
from protocol.roles import Consumer, Provider
from protocol.typed_data import JobStatus, JobTerms, job_id
from tools.devnet import CREDIT

pytestmark = pytest.mark.e2e

DISPUTE_WINDOW = 6
PLAN = MarketPlan(
    accounts=13,  # 8-9 for the failing providers; the committee is the last three
    dispute_window_s=DISPUTE_WINDOW,
    accept_window_s=12,
    deadline_grace_s=90,  # the first embeddings job loads the model on a busy machine
    agent_heartbeat_s=1.0,
    heartbeat_ttl_s=4.0,
    failover=FailoverPolicy(max_attempts=3, silence_s=3.0),
)
MAX_PRICE = 30 * MILLI  # every default provider is below it


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMarket]:
    with LocalMarket(PLAN, home=tmp_path_factory.mktemp("failover")) as running:
        yield running


def _opened_terms(market: LocalMarket, order_id: str) -> JobTerms:
    def opened() -> JobTerms | None:
        assert market.opener is not None
        found = [o for o in market.opener.opened.values() if o.fill.order_id == order_id]
        return found[0].fill.terms if found else None

    return wait_until(f"a job of order {order_id} to be opened", opened, timeout=20)


def _routing(market: LocalMarket, provider: str) -> dict[str, Any]:
    """The reputation part of ``provider``'s first offer's routing metadata."""
    offers = httpx.get(
        f"{market.matcher_url}/api/market/offers", params={"owner": provider}, timeout=5
    ).json()
    return dict(offers[0]["routing"]["reputation"])


def _worth(market: LocalMarket) -> int:
    address = market.consumer.address
    return market.protocol.credit_balance(address) + market.protocol.claimable(address)


def test_provider_that_never_accepts_loses_the_job_to_another(market: LocalMarket) -> None:
    opener = market.opener
    assert opener is not None
    squatter_wallet = market.wallets[8]
    Consumer(market.protocol, squatter_wallet).buy_exact_credits(50 * CREDIT)
    Provider(market.protocol, squatter_wallet).stake(50 * CREDIT)
    client = MatcherClient(
        market.matcher_url, chain_id=market.protocol.chain_id, wallet=squatter_wallet
    )
    offer = client.register_offer(MATMUL_RESOURCE, FixedPricing(price_wei=MILLI // 2), 1000.0)
    stop = threading.Event()

    def heartbeat() -> None:  # alive at the matcher, never accepts on chain
        while not stop.wait(1.0):
            client.heartbeat(offer.offer_id)

    beating = threading.Thread(target=heartbeat, daemon=True)
    beating.start()
    try:
        before = _worth(market)
        order = market.submitter.submit(MATMUL_RESOURCE, matmul_spec(61), max_price_wei=MAX_PRICE)
        first = _opened_terms(market, order.order_id)
        assert first.provider == squatter_wallet.address
        work = opener.work_of(order.order_id)
        assert work is not None
        wait_until("the work to be placed again", lambda: work.attempts == 2, timeout=40)
        assert market.protocol.job(first).status == JobStatus.REFUNDED
        refunded = escrow_event(market, "JobRefunded", first)
        assert refunded["amount"] == first.budget
        second = _opened_terms(market, work.orders[1])
        assert second.provider != squatter_wallet.address
        assert wait_status(market, second, {JobStatus.SETTLED}, timeout=90) == JobStatus.SETTLED
        settled = escrow_event(market, "JobSettled", second)
        paid = settled["providerPay"] + settled["fee"] + settled["burn"]
        assert _worth(market) - before == -paid
        assert market.matcher.order(work.orders[1]).exclude_providers == [
            squatter_wallet.address.lower()
        ]
        assert job_id(first) != job_id(second)
        # The matcher's routing metadata, read from the chain, shows the missed accept.
        wait_until(
            "the squatter's failure in its routing metadata",
            lambda: _routing(market, squatter_wallet.address)["failed"] == 1,
            timeout=30,
        )
        squatter = _routing(market, squatter_wallet.address)
        assert squatter["completed"] == 0 and squatter["reliability"] < 0.5
        # The refund came before the settlement: the reader may not have reached it yet.
        wait_until(
            "the worker's settled job in its routing metadata",
            lambda: _routing(market, second.provider)["completed"] >= 1,
            timeout=30,
        )
        worker = _routing(market, second.provider)
        assert worker["completed"] >= 1 and worker["accept_latency_s"] is not None
    finally:
        stop.set()
        beating.join(timeout=5)
        client.withdraw_offer(offer.offer_id)
        client.close()


def test_batch_lines_a_provider_failed_are_answered_by_another(market: LocalMarket) -> None:
    """A provider (staked, heartbeating, real HTTP) that answers every batch line with an
    error: the matcher places the lines again on another provider, whose agent runs them;
    the output says which provider answered each line."""
    failing_wallet = market.wallets[9]
    Consumer(market.protocol, failing_wallet).buy_exact_credits(50 * CREDIT)
    Provider(market.protocol, failing_wallet).stake(50 * CREDIT)
    client = MatcherClient(
        market.matcher_url, chain_id=market.protocol.chain_id, wallet=failing_wallet
    )
    cheapest = FixedPricing(price_wei=MILLI // 10)  # below every agent's embeddings price
    offer = client.register_offer(EMBEDDINGS_RESOURCE, cheapest, 100.0)
    stop = threading.Event()
    failed_fills: list[str] = []

    def fail_everything() -> None:
        while not stop.wait(0.5):
            client.heartbeat(offer.offer_id)
            for fill in client.offer_fills(offer.offer_id):
                if fill.fill_id in failed_fills:
                    continue
                asked = [
                    json.loads(x)["custom_id"] for x in client.fill_input(fill.fill_id).splitlines()
                ]
                client.fill_result(
                    fill.fill_id,
                    [
                        {"custom_id": c, "error": {"code": "gpu_lost", "message": "x"}}
                        for c in asked
                    ],
                )
                failed_fills.append(fill.fill_id)

    worker = threading.Thread(target=fail_everything, daemon=True)
    worker.start()
    try:
        lines = [
            {"custom_id": f"q{i}", "method": "POST", "url": "/v1/embeddings",
             "body": {"model": EMBEDDINGS_RESOURCE, "input": f"sentence {i}"}}
            for i in range(3)
        ]  # fmt: skip
        openai_client = openai.OpenAI(
            base_url=market.matcher_url + "/v1", api_key=market.api_key(), max_retries=0
        )
        uploaded = openai_client.files.create(
            file=("b.jsonl", "\n".join(json.dumps(x) for x in lines).encode()), purpose="batch"
        )
        batch = openai_client.batches.create(
            input_file_id=uploaded.id,
            endpoint="/v1/embeddings",
            completion_window="24h",
            metadata={"max_price_wei": str(3 * MILLI)},
        )
        done = wait_until(
            "the batch to complete",
            lambda: (b := openai_client.batches.retrieve(batch.id)).status == "completed" and b,
            timeout=120,
        )
        assert failed_fills  # the failing provider got the batch first
        assert done.request_counts is not None and done.request_counts.completed == 3
        assert done.output_file_id is not None
        text = openai_client.files.content(done.output_file_id).text
        output = [json.loads(x) for x in text.splitlines()]
        assert [o["custom_id"] for o in output] == ["q0", "q1", "q2"]
        answered_by = {o["provider"] for o in output}
        assert len(answered_by) == 1 and failing_wallet.address not in answered_by
        assert answered_by <= {p.address for p in market.providers.values()}
        assert all(len(o["response"]["body"]["data"][0]["embedding"]) == 384 for o in output)
    finally:
        stop.set()
        worker.join(timeout=5)
        client.withdraw_offer(offer.offer_id)
        client.close()


def test_a_batch_whose_provider_dies_without_answering_is_moved(market: LocalMarket) -> None:
    """A provider (staked, heartbeating, real HTTP) takes a batch and dies: it stops
    heartbeating and never answers. After the heartbeat TTL the matcher moves every line
    to another provider, whose agent answers them; the dead one's late answer is refused."""
    dead_wallet = market.wallets[7]
    Consumer(market.protocol, dead_wallet).buy_exact_credits(50 * CREDIT)
    Provider(market.protocol, dead_wallet).stake(50 * CREDIT)
    client = MatcherClient(
        market.matcher_url, chain_id=market.protocol.chain_id, wallet=dead_wallet
    )
    offer = client.register_offer(EMBEDDINGS_RESOURCE, FixedPricing(price_wei=MILLI // 10), 100.0)
    taken: list[str] = []
    stop = threading.Event()

    def live_until_a_fill() -> None:  # heartbeats until it holds the batch, then dies
        while not stop.wait(0.5):
            fills = client.offer_fills(offer.offer_id)
            if fills:
                taken.append(fills[0].fill_id)
                return
            client.heartbeat(offer.offer_id)

    beating = threading.Thread(target=live_until_a_fill, daemon=True)
    beating.start()
    try:
        lines = [
            {"custom_id": f"d{i}", "method": "POST", "url": "/v1/embeddings",
             "body": {"model": EMBEDDINGS_RESOURCE, "input": f"dead {i}"}}
            for i in range(2)
        ]  # fmt: skip
        openai_client = openai.OpenAI(
            base_url=market.matcher_url + "/v1", api_key=market.api_key(), max_retries=0
        )
        uploaded = openai_client.files.create(
            file=("d.jsonl", "\n".join(json.dumps(x) for x in lines).encode()), purpose="batch"
        )
        batch = openai_client.batches.create(
            input_file_id=uploaded.id,
            endpoint="/v1/embeddings",
            completion_window="24h",
            metadata={"max_price_wei": str(3 * MILLI)},
        )
        done = wait_until(
            "the batch to complete",
            lambda: (b := openai_client.batches.retrieve(batch.id)).status == "completed" and b,
            timeout=120,
        )
        assert taken  # the dead provider held the batch first
        assert done.request_counts is not None and done.request_counts.completed == 2
        assert done.output_file_id is not None
        text = openai_client.files.content(done.output_file_id).text
        output = [json.loads(x) for x in text.splitlines()]
        assert [o["custom_id"] for o in output] == ["d0", "d1"]
        answered_by = {o["provider"] for o in output}
        assert len(answered_by) == 1 and dead_wallet.address not in answered_by
        assert answered_by <= {p.address for p in market.providers.values()}
        with pytest.raises(MatcherRefused) as late:  # it comes back: too late
            client.fill_result(taken[0], [{"custom_id": "d0", "body": {"data": []}}])
        assert late.value.status == 409
    finally:
        stop.set()
        beating.join(timeout=5)
        client.close()
