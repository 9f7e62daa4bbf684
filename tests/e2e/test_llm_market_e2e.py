"""`gpuc up`'s LLM provider end to end: a real `gpuc llm serve` process with the
real model in a local market; the dev consumer's gateway buys a chat answer in
real time (the demo's step), the provider closes the idle session with its final
bill, and after the dispute window the provider is paid per token and the unused
budget is claimable by the consumer. Then the demo's chat batch: bought at a limit
through the matcher's Batch API from the same process's offer, and the dashboard's
LLM view shows what the provider reported."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gpuc.market.llm_demo import BATCH_QUESTIONS, buy_chat_answer, buy_chat_batch
from gpuc.market.local_market import LocalMarket
from gpuc.market.plan import LLMProviderPlan, MarketPlan
from gpuc.market.waiting import wait_until
from protocol.typed_data import JobStatus

pytestmark = pytest.mark.e2e

PLAN = MarketPlan(
    providers=(),
    llm_providers=(LLMProviderPlan(name="gemma", account=3, close_idle_s=2),),
    dispute_window_s=3,
)


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMarket]:
    with LocalMarket(PLAN, home=tmp_path_factory.mktemp("llm-market")) as running:
        yield running


def test_chat_answer_bought_in_real_time_is_paid_per_token(market: LocalMarket) -> None:
    assert len(market.llm_urls) == 1 and market.summary().llm_urls == market.llm_urls
    before = market.protocol.credit_balance(market.consumer.address)
    line = buy_chat_answer(market, say=lambda _: None, max_tokens=8)
    assert line.answer and 1 <= line.completion_tokens <= 8
    assert line.cost_wei == (line.prompt_tokens + line.completion_tokens) * (
        line.price_per_1k_tokens_wei // 1000
    )
    assert line.chain_status == "Accepted"
    job = line.session

    def paid() -> bool | None:
        state = market.protocol.job(job)
        return True if state.status == JobStatus.SETTLED and state.paid_out else None

    wait_until("the LLM session to be closed, settled and paid out", paid, 120)
    state = market.protocol.job(job)
    assert state.units == line.prompt_tokens + line.completion_tokens
    budget = 1024 * line.price_per_1k_tokens_wei // 1000
    assert before - market.protocol.credit_balance(market.consumer.address) == budget
    assert market.consumer.balance().claimable == budget - line.cost_wei
    log = Path(market.home / "llm" / "gemma" / "llm.log").read_text()
    assert "closed session" in log and "paid out session" in log


def test_chat_batch_bought_at_a_limit_as_the_demo_does(market: LocalMarket) -> None:
    seller = market.wallets[3].address
    batches: list[str] = []
    line = buy_chat_batch(market, lambda _: None, batches, max_tokens=6)
    assert len(batches) == 1 and line.status == "completed"
    assert len(line.answers) == len(BATCH_QUESTIONS) and all(line.answers)
    # gpuc up's provider asks 1 GPUC per 1k tokens; the demo bids that as its limit.
    assert line.limit_per_1k_tokens_wei == line.ask_when_placed_wei == 10**18
    assert line.fill_price_wei == 10**18 and line.job is not None
    # (opened on chain; the commit may still be in flight when the batch completes)
    assert line.tokens > 0 and line.chain_status in ("Accepted", "Delivered", "Settled")

    def paid() -> bool | None:
        state = market.protocol.job(line.job or "")
        return True if state.status == JobStatus.SETTLED and state.paid_out else None

    wait_until("the batch job to be finalized and paid out", paid, 120)
    assert market.protocol.job(line.job).units == -(-line.tokens // 1000)

    # The dashboard shows the provider's offer with what it reported at its heartbeat.
    def reported() -> dict[str, object] | None:
        (view,) = httpx.get(
            f"{market.matcher_url}/api/dashboard/llm", params={"resource": "gemma-3-270m"}
        ).json()
        rows = [p for p in view["providers"] if p["provider"] == seller and p["reported"]]
        return rows[0] if rows and int(rows[0]["tokens_served"]) >= line.tokens else None

    row = wait_until("the provider's LLM metrics on the dashboard", reported, 60)
    assert row["price_per_1k_tokens_wei"] == str(10**18)
    assert float(str(row["supply_tokens_per_s"])) > 0
