"""`gpuc up`'s LLM provider end to end: a real `gpuc llm serve` process with the
real model in a local market; the dev consumer's gateway buys a chat answer in
real time (the demo's step), the provider closes the idle session with its final
bill, and after the dispute window the provider is paid per token and the unused
budget is claimable by the consumer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gpuc.market.llm_demo import buy_chat_answer
from gpuc.market.local_market import LocalMarket
from gpuc.market.plan import LLMProviderPlan, MarketPlan
from gpuc.market.waiting import wait_until
from protocol.typed_data import JobStatus

pytestmark = pytest.mark.e2e

PLAN = MarketPlan(
    providers=(),
    llm_providers=(LLMProviderPlan(name="gemma", account=3, close_idle_s=2),),
    dispute_window_s=3,
    open_consumer_jobs=False,
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
