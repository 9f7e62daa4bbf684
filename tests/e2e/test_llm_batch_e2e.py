"""A chat batch bought at a limit, end to end on the real model: the unchanged `openai`
client uploads a file of /v1/chat/completions lines and creates a batch whose limit is
below the LLM provider's price; it waits (validating) until the provider's price drops to
the limit, then fills; the consumer's job opener opens the escrow job, the provider's
batch desk (provider.llm.batch_desk, driven here in-process over the session's shared
engine) accepts it, runs every line through Gemma 3 270M, returns OpenAI output and error
files through the matcher, commits units = tokens / 1k on chain and is paid by finalize."""

from __future__ import annotations

import io
import json
import math
import threading
import time
from collections.abc import Iterator

import openai
import pytest

from gpuc.market.local_market import LocalMarket
from gpuc.market.plan import MarketPlan
from gpuc.market.waiting import wait_until
from protocol.llm.transformers_engine import GEMMA_270M, TransformersEngine
from protocol.matcher_client import MatcherClient
from protocol.roles import Provider
from protocol.typed_data import JobStatus
from provider.agent_log import AgentLog, read_agent_log
from provider.llm.batch_desk import LLMBatchDesk

pytestmark = pytest.mark.e2e

PLAN = MarketPlan(providers=(), dispute_window_s=3, accept_window_s=60)
SELLER = 3
PRICE_PER_TOKEN = 2 * 10**12  # 0.002 GPUC per 1k tokens
LIMIT_PER_1K = 1500 * 10**12  # the batch bids 0.0015 GPUC per 1k tokens: below the ask


class Desk:
    def __init__(self, desk: LLMBatchDesk, log: io.StringIO) -> None:
        self.desk, self.log = desk, log
        self.price = PRICE_PER_TOKEN

    def events(self, name: str) -> list[dict[str, object]]:
        return [e for e in read_agent_log(self.log.getvalue()) if e["event"] == name]


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMarket]:
    with LocalMarket(PLAN, home=tmp_path_factory.mktemp("llm-batch")) as running:
        yield running


@pytest.fixture(scope="module")
def desk(market: LocalMarket, llm_engine: TransformersEngine) -> Iterator[Desk]:
    market._fund_account(SELLER)
    role = Provider(market.protocol, market.wallets[SELLER])
    role.stake(market.plan.provider_stake)
    log = io.StringIO()
    matcher = MatcherClient(
        market.matcher_url, chain_id=market.protocol.chain_id, wallet=market.wallets[SELLER]
    )
    holder: list[Desk] = []
    desk = LLMBatchDesk(llm_engine, role, matcher, lambda: holder[0].price, AgentLog(log))
    holder.append(Desk(desk, log))
    stop = threading.Event()
    thread = threading.Thread(target=desk.run, args=(stop, 0.2), daemon=True)
    thread.start()
    try:
        wait_until("the LLM offer in the book", lambda: desk.offer_id, 30)
        yield holder[0]
    finally:
        stop.set()
        thread.join(timeout=60)
        desk.withdraw()
        matcher.close()


def _line(i: int, content: str) -> dict[str, object]:
    return {
        "custom_id": f"chat-{i}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": GEMMA_270M,
            "messages": [{"role": "user", "content": content}],
            "max_tokens": 6,
        },
    }


def test_chat_batch_waits_for_the_price_then_runs_and_is_paid(
    market: LocalMarket, desk: Desk
) -> None:
    lines = [_line(0, "What is the capital of France?"), _line(1, "Name a colour.")]
    bad = {**_line(2, "hi"), "body": {"model": GEMMA_270M, "messages": [], "max_tokens": 4}}
    client = openai.OpenAI(
        base_url=market.matcher_url + "/v1", api_key=market.api_key(), max_retries=0
    )
    ask = market.matcher.market(GEMMA_270M).price_wei
    assert ask == PRICE_PER_TOKEN * 1000 > LIMIT_PER_1K
    uploaded = client.files.create(
        file=("chat.jsonl", "\n".join(json.dumps(x) for x in [*lines, bad]).encode()),
        purpose="batch",
    )
    batch = client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"max_price_wei": str(LIMIT_PER_1K)},
    )
    assert batch.status == "validating"
    time.sleep(3)  # many desk and opener polls: nothing fills above the limit
    assert client.batches.retrieve(batch.id).status == "validating"
    assert not desk.events("job_accepted")

    desk.price = LIMIT_PER_1K // 1000  # the provider's price drops to the limit
    done = wait_until(
        "the batch to complete",
        lambda: (b := client.batches.retrieve(batch.id)).status == "completed" and b,
        timeout=180,
    )
    assert done.in_progress_at is not None and done.in_progress_at >= batch.created_at + 3
    assert done.request_counts is not None
    assert (done.request_counts.completed, done.request_counts.failed) == (2, 1)
    metadata = done.metadata or {}
    assert metadata["gpuc_price_per_unit_wei"] == str(LIMIT_PER_1K)
    assert done.output_file_id is not None and done.error_file_id is not None
    # The line without messages is answered with an error (and not billed).
    (error,) = [json.loads(x) for x in client.files.content(done.error_file_id).text.splitlines()]
    assert error["custom_id"] == "chat-2" and error["response"] is None
    assert error["error"]["code"] == "invalid_request" and "messages" in error["error"]["message"]
    output = [json.loads(x) for x in client.files.content(done.output_file_id).text.splitlines()]
    assert [o["custom_id"] for o in output] == ["chat-0", "chat-1"]
    seller = market.wallets[SELLER].address
    tokens = 0
    for line in output:
        assert line["error"] is None and line["provider"] == seller
        body = line["response"]["body"]
        assert body["object"] == "chat.completion" and body["model"] == GEMMA_270M
        answer = body["choices"][0]
        assert answer["message"]["role"] == "assistant" and answer["message"]["content"]
        usage = body["usage"]
        assert 1 <= usage["completion_tokens"] <= 6 and usage["prompt_tokens"] > 5
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
        tokens += usage["total_tokens"]
    # The same greedy answer as the engine alone gives (the batch ran the real model).
    first = output[0]["response"]["body"]["choices"][0]["message"]["content"]
    assert first.strip()

    # On chain: opened by the consumer's opener at the limit, committed by the provider
    # with units = tokens rounded up to 1k, paid by finalize after the dispute window.
    # (The matcher has the answers before the provider's commit transaction is mined.)
    (committed,) = wait_until(
        "the provider's receipt on chain", lambda: desk.events("receipt_committed"), 60
    )
    assert committed["tokens"] == tokens and committed["units"] == math.ceil(tokens / 1000)
    opened = [o for o in market.opener.opened.values() if o.fill.batch_id == batch.id]
    assert len(opened) == 1 and opened[0].fill.price_per_unit_wei == LIMIT_PER_1K
    terms = opened[0].fill.terms
    assert metadata["gpuc_job_ids"] == "0x" + opened[0].job_id.hex()

    def paid() -> bool | None:
        state = market.protocol.job(terms)
        return True if state.status == JobStatus.SETTLED and state.paid_out else None

    wait_until("the batch job to be finalized and paid out", paid, 90)
    assert market.protocol.job(terms).units == committed["units"]


def test_a_chat_batch_cancelled_while_it_runs_stops_between_lines(
    market: LocalMarket, desk: Desk
) -> None:
    """After the first test the provider asks the limit: this batch fills at once."""
    lines = [_line(i, f"Say the number {i}.") for i in range(40)]
    client = openai.OpenAI(
        base_url=market.matcher_url + "/v1", api_key=market.api_key(), max_retries=0
    )
    uploaded = client.files.create(
        file=("many.jsonl", "\n".join(json.dumps(x) for x in lines).encode()), purpose="batch"
    )
    batch = client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"max_price_wei": str(LIMIT_PER_1K)},
    )
    wait_until("the provider to accept it", lambda: len(desk.events("job_accepted")) >= 2, 120)
    assert client.batches.cancel(batch.id).status == "cancelling"
    done = wait_until(
        "the batch to be cancelled",
        lambda: (b := client.batches.retrieve(batch.id)).status == "cancelled" and b,
        timeout=180,
    )
    assert done.output_file_id is None  # nothing is delivered after a cancel
    committed = wait_until(
        "the provider's receipt on chain",
        lambda: (e := desk.events("receipt_committed")) and len(e) >= 2 and e[1],
        60,
    )
    # The lines left when the cancel was seen were not run, and are not billed.
    assert committed["lines"] == 40 and 1 <= int(str(committed["answered"])) < 40
