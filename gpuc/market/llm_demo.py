"""The LLM part of ``gpuc demo``: a chat answer bought in real time, then a chat batch
bought at a limit.

Real time: the dev consumer's gateway (in this process, on 127.0.0.1) picks the market's
LLM provider, opens a session escrow on chain, and the unchanged ``openai`` client streams
the answer through it; the signed bill says what it cost.

Limit: the ``openai`` client uploads a file of chat requests to the matcher's Batch API
with a limit per 1k tokens; it fills at the LLM provider's offer once the price is at or
below the limit, the consumer's opener opens the job, the provider runs the lines on its
model and commits the tokens it used (provider.llm.batch_desk)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import openai
from openai.types import Batch
from pydantic import BaseModel

from gpuc.errors import GpucError
from gpuc.gateway.gateway import Gateway, create_gateway_app
from gpuc.gateway.sessions import ChainSessionOpener
from gpuc.market.local_market import LocalMarket
from gpuc.market.waiting import wait_until
from protocol.llm.bill import SignedBill
from protocol.llm.transformers_engine import GEMMA_270M
from provider.results.server import LoopbackServer

__all__ = ["BATCH_QUESTIONS", "QUESTION", "LLMBatchLine", "LLMChatLine", "buy_chat_answer",
           "buy_chat_batch"]  # fmt: skip

QUESTION = "What is the capital of France?"
BATCH_QUESTIONS = ("What is the capital of Italy?", "Name a large animal.")


class LLMChatLine(BaseModel):
    provider: str
    question: str
    answer: str
    prompt_tokens: int
    completion_tokens: int
    price_per_1k_tokens_wei: int
    cost_wei: int
    first_token_s: float
    tokens_per_s: float
    session: str
    chain_status: str


def buy_chat_answer(
    market: LocalMarket, say: Callable[[str], None], max_tokens: int = 24
) -> LLMChatLine:
    gateway = Gateway(
        list(market.llm_urls), ChainSessionOpener(market.consumer), session_tokens=1024
    )
    try:
        with LoopbackServer(create_gateway_app(gateway)) as front:
            client = openai.OpenAI(base_url=f"{front.base_url}/v1", api_key="local", max_retries=0)
            say(f"asking {GEMMA_270M} through the gateway: {QUESTION!r}")
            started = time.perf_counter()
            first = 0.0
            parts: list[str] = []
            usage = None
            for chunk in client.chat.completions.create(
                model=GEMMA_270M,
                messages=[{"role": "user", "content": QUESTION}],
                max_tokens=max_tokens,
                stream=True,
            ):
                if chunk.choices and chunk.choices[0].delta.content:
                    if not first:
                        first = time.perf_counter() - started
                    parts.append(chunk.choices[0].delta.content)
                    say(f"  ... {''.join(parts)!r}")
                if chunk.usage is not None:
                    usage = chunk.usage
            elapsed = time.perf_counter() - started
    finally:
        asyncio.run(gateway.aclose())
    (session,) = gateway.sessions.values()
    bill = session.latest_bill
    if usage is None or not isinstance(bill, SignedBill):
        raise RuntimeError("the provider's answer carried no usage or bill")
    price = session.offer.price_per_token
    state = market.protocol.job("0x" + session.credential.job_id.hex())
    return LLMChatLine(
        provider=session.offer.provider,
        question=QUESTION,
        answer="".join(parts),
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        price_per_1k_tokens_wei=price * 1000,
        cost_wei=bill.total_tokens * price,
        first_token_s=first,
        tokens_per_s=usage.completion_tokens / elapsed if elapsed else 0.0,
        session="0x" + session.credential.job_id.hex(),
        chain_status=state.status_name,
    )


class LLMBatchLine(BaseModel):
    limit_per_1k_tokens_wei: int
    ask_when_placed_wei: int | None
    fill_price_wei: int | None
    waited_s: float
    status: str
    answers: list[str]
    tokens: int
    job: str | None
    chain_status: str


def buy_chat_batch(
    market: LocalMarket,
    say: Callable[[str], None],
    batches: list[str],
    *,
    limit_wei: int | None = None,
    max_tokens: int = 12,
) -> LLMBatchLine:
    """A Batch API file of chat requests bought at ``limit_wei`` per 1k tokens (default:
    the ask when placed, so it fills at once); its id goes into ``batches`` (an
    interrupted demo cancels it)."""
    client = openai.OpenAI(
        base_url=market.matcher_url + "/v1", api_key=market.api_key(), max_retries=0
    )
    lines = [
        {"custom_id": f"chat-{i}", "method": "POST", "url": "/v1/chat/completions",
         "body": {"model": GEMMA_270M, "messages": [{"role": "user", "content": question}],
                  "max_tokens": max_tokens}}
        for i, question in enumerate(BATCH_QUESTIONS)
    ]  # fmt: skip
    uploaded = client.files.create(
        file=("chat.jsonl", "\n".join(json.dumps(x) for x in lines).encode()), purpose="batch"
    )
    ask = market.matcher.market(GEMMA_270M).price_wei
    if ask is None and limit_wei is None:
        raise GpucError(f"demo: no provider offers {GEMMA_270M} in the book")
    limit = limit_wei if limit_wei is not None else int(ask or 0)
    placed = time.monotonic()
    batch = client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"max_price_wei": str(limit)},
    )
    batches.append(batch.id)
    say(f"chat batch {batch.id}: {len(lines)} questions at a limit of {limit} wei per 1k"
        f" tokens (the book asks {ask})")  # fmt: skip

    def filled() -> bool:
        return client.batches.retrieve(batch.id).status != "validating"

    wait_until("the chat batch to fill", filled, 120)
    waited = time.monotonic() - placed

    def finished() -> Batch | None:
        found = client.batches.retrieve(batch.id)
        return found if found.status in ("completed", "failed", "expired", "cancelled") else None

    done = wait_until("the chat batch to complete", finished, 300)
    answers: list[str] = []
    tokens = 0
    if done.output_file_id is not None:
        for raw in client.files.content(done.output_file_id).text.splitlines():
            body = json.loads(raw)["response"]["body"]
            answers.append(body["choices"][0]["message"]["content"])
            tokens += int(body["usage"]["total_tokens"])
    metadata = done.metadata or {}
    job = metadata.get("gpuc_job_ids")
    chain = market.protocol.job(job).status_name if job else "not opened"
    price = metadata.get("gpuc_price_per_unit_wei")
    say(f"chat batch {done.status}: {tokens} tokens, job {chain} on chain")
    return LLMBatchLine(
        limit_per_1k_tokens_wei=limit,
        ask_when_placed_wei=ask,
        fill_price_wei=int(price) if price else None,
        waited_s=round(waited, 1),
        status=done.status,
        answers=answers,
        tokens=tokens,
        job=job,
        chain_status=chain,
    )
