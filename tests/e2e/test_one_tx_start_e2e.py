"""One-transaction job start and "the consumer never pays twice" on the whole marketplace
(real anvil, oracle committee, matcher and provider agents, the consumer's job opener):

- a matched job opens already accepted: the agent signs the fill's Acceptance and posts
  it to the matcher, the opener opens with it (JobOpened and JobAccepted in one
  transaction, no accept transaction from the provider);
- an agent that does not sign: the opener falls back to open + accept;
- a provider that goes silent holding a job, then comes back and delivers before its
  deadline, is paid for it once and the work is never placed again;
- a provider killed holding a job: the work moves only after the opener slashed it for
  non-delivery (budget + compensation back first), and completes elsewhere.

The tests share one market and run in file order. Deadlines are short (accept window +
grace) so that a failed attempt becomes slashable within seconds of wall time."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from marketplace_helpers import escrow_event, matmul_spec, wait_status

from gpuc.market.job_opener import OpenedFill
from gpuc.market.local_market import LocalMarket, RunningProvider
from gpuc.market.plan import MATMUL_RESOURCE, MILLI, MarketPlan, ProviderPlan
from gpuc.market.waiting import wait_until
from protocol.failover import FailoverPolicy
from protocol.pricing import FixedPricing
from protocol.typed_data import JobStatus, JobTerms, job_id

pytestmark = pytest.mark.e2e

DISPUTE_WINDOW = 6
STEADY = ProviderPlan(
    name="steady",
    account=2,
    matmul=FixedPricing(price_wei=20 * MILLI),
    embeddings=FixedPricing(price_wei=2 * MILLI),
)
PLAN = MarketPlan(
    providers=(STEADY,),
    accounts=13,  # 7-9 for the providers started by the tests; the committee is the last three
    dispute_window_s=DISPUTE_WINDOW,
    accept_window_s=10,
    deadline_grace_s=20,
    agent_heartbeat_s=1.0,
    heartbeat_ttl_s=4.0,
    failover=FailoverPolicy(max_attempts=3, silence_s=3.0),
    # Only the orders the opener placed: a fill that waits for its acceptance must not be
    # lost when its (filled) order stops being followed.
    opener_scans_offers=False,
)
MAX_PRICE = 30 * MILLI


def _cheap(name: str, account: int, **kw: Any) -> ProviderPlan:
    """A provider below STEADY's price, so the next order goes to it."""
    return ProviderPlan(
        name=name,
        account=account,
        matmul=FixedPricing(price_wei=MILLI),
        embeddings=FixedPricing(price_wei=100 * MILLI),
        **kw,
    )


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMarket]:
    with LocalMarket(PLAN, home=tmp_path_factory.mktemp("one-tx")) as running:
        yield running


def _opened(market: LocalMarket, order_id: str, timeout: float = 30) -> OpenedFill:
    def found() -> OpenedFill | None:
        assert market.opener is not None
        hits = [o for o in market.opener.opened.values() if o.fill.order_id == order_id]
        return hits[0] if hits else None

    return wait_until(f"a job of order {order_id} to be opened", found, timeout)


def _txs(market: LocalMarket, terms: JobTerms) -> dict[str, str]:
    """event name -> the transaction that emitted it, for this job's open and accept."""
    logs = market.protocol.contracts.escrow.logs_of(
        ["JobOpened", "JobAccepted"],
        topic1="0x" + job_id(terms).hex(),
        from_block=market.manifest.block,
    )
    return {name: str(raw["transactionHash"]) for name, _, raw in logs}


def _worth(market: LocalMarket) -> int:
    address = market.consumer.address
    return market.protocol.credit_balance(address) + market.protocol.claimable(address)


def _job_events(running: RunningProvider, name: str, terms: JobTerms) -> list[dict[str, Any]]:
    jid = "0x" + job_id(terms).hex()
    return [e for e in running.events(name) if e.get("job") == jid]


def test_a_matched_job_starts_in_one_transaction(market: LocalMarket) -> None:
    steady = market.providers[STEADY.name]
    started = time.monotonic()
    order = market.submitter.submit(MATMUL_RESOURCE, matmul_spec(71), max_price_wei=MAX_PRICE)
    record = _opened(market, order.order_id)
    terms = record.fill.terms
    assert market.protocol.job(terms).status != JobStatus.OPEN  # never Open: accepted at once
    start_s = time.monotonic() - started
    assert record.one_tx
    txs = _txs(market, terms)
    assert set(txs) == {"JobOpened", "JobAccepted"}
    assert txs["JobOpened"] == txs["JobAccepted"]  # one transaction opened and accepted it
    assert _job_events(steady, "acceptance_posted", terms)
    assert wait_status(market, terms, {JobStatus.SETTLED}, timeout=90) == JobStatus.SETTLED
    assert _job_events(steady, "job_accepted_at_open", terms)
    assert not _job_events(steady, "job_accepted", terms)  # the agent sent no accept
    print(f"order -> job accepted on chain: {start_s:.2f} s; open gas {record.gas_used}")


def test_without_a_signed_acceptance_the_job_opens_then_is_accepted(market: LocalMarket) -> None:
    unsigned = market.start_provider(_cheap("unsigned", 7, sign_acceptances=False))
    try:
        started = time.monotonic()
        order = market.submitter.submit(MATMUL_RESOURCE, matmul_spec(73), max_price_wei=MAX_PRICE)
        record = _opened(market, order.order_id)
        terms = record.fill.terms
        assert terms.provider == unsigned.address and not record.one_tx
        wait_status(market, terms, {JobStatus.ACCEPTED, JobStatus.SETTLED}, timeout=30)
        start_s = time.monotonic() - started
        txs = _txs(market, terms)
        assert txs["JobOpened"] != txs["JobAccepted"]  # open, then the provider's accept
        wait_until(  # the agent logs it once its accept transaction is mined
            "the agent's accept", lambda: _job_events(unsigned, "job_accepted", terms), 15
        )
        assert not _job_events(unsigned, "acceptance_posted", terms)
        assert wait_status(market, terms, {JobStatus.SETTLED}, timeout=90) == JobStatus.SETTLED
        print(f"order -> job accepted on chain (fallback): {start_s:.2f} s")
    finally:
        market.stop_provider("unsigned")


def test_a_silent_provider_that_comes_back_and_delivers_is_paid_once(market: LocalMarket) -> None:
    opener = market.opener
    assert opener is not None
    sleeper = market.start_provider(_cheap("sleeper", 8))
    pid = sleeper.child.pid
    assert pid is not None
    try:
        before = _worth(market)
        order = market.submitter.submit(MATMUL_RESOURCE, matmul_spec(75), max_price_wei=MAX_PRICE)
        wait_until(
            "the sleeper to sign its acceptance",
            lambda: sleeper.events("acceptance_posted"),
            30,
            interval=0.02,
        )
        os.kill(pid, signal.SIGSTOP)  # silent: no heartbeat, no work, no receipt
        try:
            record = _opened(market, order.order_id)
            terms = record.fill.terms
            assert terms.provider == sleeper.address and record.one_tx
            work = opener.work_of(order.order_id)
            assert work is not None
            wait_until("the attempt to be suspect", lambda: work.suspect is not None, 30)
            assert market.protocol.now() < terms.deadline  # it may still deliver
        finally:
            os.kill(pid, signal.SIGCONT)
        assert wait_status(market, terms, {JobStatus.SETTLED}, timeout=90) == JobStatus.SETTLED
        wait_until("the opener to see it done", lambda: work.done_by == sleeper.address, 10)
        assert work.attempts == 1 and work.orders == [order.order_id]  # never placed again
        settled = escrow_event(market, "JobSettled", terms)
        paid = settled["providerPay"] + settled["fee"] + settled["burn"]
        assert before - _worth(market) == paid  # one run paid, and only one
        suspect = [f for _, n, f in market.opener_events if n == "attempt_suspect"]
        assert any(f["job"] == "0x" + job_id(terms).hex() for f in suspect)
    finally:
        market.stop_provider("sleeper")


def test_a_killed_providers_work_moves_after_its_budget_is_back(market: LocalMarket) -> None:
    opener = market.opener
    assert opener is not None
    victim = market.start_provider(_cheap("victim", 9))
    before = _worth(market)
    order = market.submitter.submit(MATMUL_RESOURCE, matmul_spec(77), max_price_wei=MAX_PRICE)
    wait_until(
        "the victim to sign its acceptance",
        lambda: victim.events("acceptance_posted"),
        30,
        interval=0.02,
    )
    victim.child.stop(kill=True)  # SIGKILL by PID: gone holding the job, no receipt
    died = time.monotonic()
    first = _opened(market, order.order_id).fill.terms
    assert first.provider == victim.address
    assert market.protocol.job(first).status == JobStatus.ACCEPTED
    work = opener.work_of(order.order_id)
    assert work is not None
    wait_until("the attempt to be suspect", lambda: work.suspect is not None, 30)
    assert work.attempts == 1  # silent is not enough: it could still be paid
    wait_until("the work to be placed again", lambda: work.attempts == 2, timeout=90)
    # The budget came back before the work moved: the first job is slashed already.
    assert market.protocol.job(first).status == JobStatus.SLASHED
    second_record = _opened(market, work.orders[1])
    second = second_record.fill.terms
    moved_s = time.monotonic() - died
    assert second.provider == market.providers[STEADY.name].address
    assert wait_status(market, second, {JobStatus.SETTLED}, timeout=90) == JobStatus.SETTLED
    wait_until("the opener to see it done", lambda: work.done_by == second.provider, 10)
    slashed = escrow_event(market, "JobSlashed", first)
    assert slashed["compensation"] > 0
    slash_block = market.protocol.contracts.escrow.logs_with_blocks(
        "JobSlashed", topics=["0x" + job_id(first).hex()], from_block=market.manifest.block
    )[0][0]
    open_block = market.protocol.contracts.escrow.logs_with_blocks(
        "JobOpened", topics=["0x" + job_id(second).hex()], from_block=market.manifest.block
    )[0][0]
    assert slash_block < open_block  # reclaimed, then placed again
    settled = escrow_event(market, "JobSettled", second)
    one_run = settled["providerPay"] + settled["fee"] + settled["burn"]
    assert _worth(market) - before == slashed["compensation"] - one_run
    print(f"death -> running elsewhere (after the slash): {moved_s:.1f} s")
