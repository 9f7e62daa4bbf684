"""The gateway (gpuc.gateway) in front of two real LLM provider servers: the
unchanged ``openai`` client chats through it, streamed and not; it picks the
cheaper provider, checks every signed bill, and when a provider dies mid-stream
it finishes the answer on the next one, which alone bills it.

No chain here: sessions are opened directly in each provider's session book (an
in-process opener, named as such); tests/chain/test_llm_session_chain.py opens
them as escrows on anvil."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import openai
import pytest
from eth_account import Account

from gpuc.gateway.gateway import Gateway, create_gateway_app
from gpuc.gateway.offers import ProviderOffer
from gpuc.gateway.sessions import OpenedSession
from protocol.llm.chat_format import format_chat
from protocol.llm.engine import generate
from protocol.llm.session_key import SessionCredential, new_session_secret, session_key_hash
from protocol.llm.transformers_engine import TransformersEngine
from protocol.llm.types import ChatMessage, TokenStep
from provider.llm.server import LLMServer, create_llm_app
from provider.llm.session import SessionBook
from provider.results.server import LoopbackServer

MODEL = "gemma-3-270m"
QUESTION = "What is the capital of France?"
KEY_A, KEY_B = "0x" + "51" * 32, "0x" + "52" * 32


class DyingEngine:
    """Failure injection: the real engine, but the process 'dies' (raises) after
    ``after`` tokens, so the provider's stream breaks off mid-answer."""

    def __init__(self, engine: TransformersEngine, after: int) -> None:
        self._engine = engine
        self.after = after
        self.alive = True

    @property
    def model(self) -> str:
        return self._engine.model

    def count_tokens(self, text: str) -> int:
        return self._engine.count_tokens(text)

    def stream(
        self, prompt: str, max_tokens: int, top_logprobs: int = 0, chat: bool = False
    ) -> Iterator[TokenStep]:
        for index, step in enumerate(self._engine.stream(prompt, max_tokens, top_logprobs, chat)):
            if not self.alive and index >= self.after:
                raise RuntimeError("provider died")
            yield step


class InProcessOpener:
    """Opens a session straight in the provider's own book (no escrow in this test)."""

    def __init__(self, servers: dict[str, LLMServer]) -> None:
        self.servers = servers

    def open(self, offer: ProviderOffer, tokens: int) -> OpenedSession:
        secret = new_session_secret()
        job_id = len(self.servers[offer.url].book.sessions()).to_bytes(32, "big")
        self.servers[offer.url].book.open(job_id, session_key_hash(secret), tokens)
        return OpenedSession(offer, SessionCredential(job_id, secret), tokens)


@pytest.fixture(scope="module")
def market(
    llm_engine: TransformersEngine,
) -> Iterator[tuple[LoopbackServer, Gateway, dict[str, LLMServer], DyingEngine]]:
    dying = DyingEngine(llm_engine, after=2)
    cheap = LLMServer(dying, SessionBook(KEY_A), Account.from_key(KEY_A).address, price_per_token=1)
    dear = LLMServer(
        llm_engine, SessionBook(KEY_B), Account.from_key(KEY_B).address, price_per_token=2
    )
    with LoopbackServer(create_llm_app(cheap)) as a, LoopbackServer(create_llm_app(dear)) as b:
        servers = {a.base_url: cheap, b.base_url: dear}
        gateway = Gateway([a.base_url, b.base_url], InProcessOpener(servers), ban_seconds=600)
        with LoopbackServer(create_gateway_app(gateway)) as front:
            yield front, gateway, servers, dying
        asyncio.run(gateway.aclose())


def _client(front: LoopbackServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{front.base_url}/v1", api_key="local", max_retries=0)


def test_cheapest_provider_answers_and_its_bill_is_checked(
    market: tuple[LoopbackServer, Gateway, dict[str, LLMServer], DyingEngine],
    llm_engine: TransformersEngine,
) -> None:
    front, gateway, servers, _ = market
    client = _client(front)
    assert [m.id for m in client.models.list()] == [MODEL]
    answer = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": QUESTION}], max_tokens=5
    )
    expected = generate(
        llm_engine, format_chat([ChatMessage(role="user", content=QUESTION)]), 5, chat=True
    )
    assert answer.choices[0].message.content == expected.text
    assert answer.usage is not None and answer.usage.completion_tokens == expected.completion_tokens
    cheap, dear = servers.values()
    assert len(cheap.book.sessions()[0].links) == 1 and dear.book.sessions() == []
    session = gateway.sessions[gateway.candidates(MODEL)[0].url]
    assert session.used_tokens == answer.usage.total_tokens


def test_provider_dying_mid_stream_is_replaced_and_the_answer_completes(
    market: tuple[LoopbackServer, Gateway, dict[str, LLMServer], DyingEngine],
    llm_engine: TransformersEngine,
) -> None:
    front, gateway, servers, dying = market
    dying.alive = False
    cheap, dear = servers.values()
    billed_before = len(cheap.book.sessions()[0].links)
    chunks = list(
        _client(front).chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": QUESTION}], max_tokens=6, stream=True
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    expected = generate(
        llm_engine, format_chat([ChatMessage(role="user", content=QUESTION)]), 6, chat=True
    )
    assert text == expected.text  # no gap, no repetition
    assert sum(1 for c in chunks if c.choices and c.choices[0].delta.role) == 1
    assert gateway.failovers == 1
    # The dead provider billed nothing for the broken answer; the replacement billed it once.
    assert len(cheap.book.sessions()[0].links) == billed_before
    assert len(dear.book.sessions()[0].links) == 1
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == expected.completion_tokens
    # The failed provider stays out: the next request goes straight to the other one.
    answer = _client(front).completions.create(model=MODEL, prompt="One, two,", max_tokens=3)
    assert answer.choices[0].text
    assert len(dear.book.sessions()[0].links) == 2 and gateway.failovers == 1
