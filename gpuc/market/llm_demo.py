"""The LLM part of ``gpuc demo``: a chat answer bought in real time. The dev
consumer's gateway (in this process, on 127.0.0.1) picks the market's LLM
provider, opens a session escrow on chain, and the unchanged ``openai`` client
streams the answer through it; the signed bill says what it cost."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import openai
from pydantic import BaseModel

from gpuc.gateway.gateway import Gateway, create_gateway_app
from gpuc.gateway.sessions import ChainSessionOpener
from gpuc.market.local_market import LocalMarket
from protocol.llm.bill import SignedBill
from protocol.llm.transformers_engine import GEMMA_270M
from provider.results.server import LoopbackServer

__all__ = ["QUESTION", "LLMChatLine", "buy_chat_answer"]

QUESTION = "What is the capital of France?"


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
