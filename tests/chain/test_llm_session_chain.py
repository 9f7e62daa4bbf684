"""An LLM session as one escrow on anvil: the gateway opens it for the chosen
provider (permit), the provider accepts it, the ``openai`` client chats through
the gateway, the provider closes it with the final bill as its receipt (units =
tokens, result hash = chain head), and after the dispute window the provider is
paid per token and the unused budget returns to the consumer. Real model."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import openai
import pytest

from gpuc.gateway.gateway import Gateway, create_gateway_app
from gpuc.gateway.sessions import ChainSessionOpener
from protocol.llm.bill import SignedBill, verify_bill
from protocol.llm.spec import LLMSessionSpec, session_open_body
from protocol.llm.transformers_engine import TransformersEngine
from protocol.typed_data import JobStatus
from provider.llm.chain_sessions import SessionAcceptor
from provider.llm.server import LLMServer, create_llm_app
from provider.llm.session import SessionBook
from provider.results.server import LoopbackServer
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

MODEL = "gemma-3-270m"
PRICE = CREDIT // 1000  # 1 GPUC per 1k tokens
SESSION_TOKENS = 2_000


@pytest.fixture
def provider_server(
    devnet: DevNet, llm_engine: TransformersEngine
) -> Iterator[tuple[LoopbackServer, LLMServer, SessionAcceptor]]:
    devnet.fund_and_stake(devnet.provider, 10 * CREDIT)
    devnet.fund(devnet.consumer, 10 * CREDIT)
    book = SessionBook(devnet.provider.wallet)
    acceptor = SessionAcceptor(devnet.provider, book, MODEL, PRICE)
    server = LLMServer(
        llm_engine, book, devnet.provider.address, acceptor=acceptor, price_per_token=PRICE
    )
    with LoopbackServer(create_llm_app(server)) as running:
        yield running, server, acceptor


def test_session_is_paid_per_token_and_the_unused_budget_returns(
    devnet: DevNet, provider_server: tuple[LoopbackServer, LLMServer, SessionAcceptor]
) -> None:
    running, server, acceptor = provider_server
    consumer, provider = devnet.consumer, devnet.provider
    gateway = Gateway(
        [running.base_url], ChainSessionOpener(consumer), session_tokens=SESSION_TOKENS
    )
    with LoopbackServer(create_gateway_app(gateway)) as front:
        client = openai.OpenAI(base_url=f"{front.base_url}/v1", api_key="local", max_retries=0)
        chunks = list(
            client.chat.completions.create(
                model=MODEL,
                messages=[{"role": "user", "content": "Name a color."}],
                max_tokens=4,
                stream=True,
            )
        )
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        completion = client.completions.create(model=MODEL, prompt="Once upon a", max_tokens=3)
        assert completion.usage is not None
    asyncio.run(gateway.aclose())

    (session,) = gateway.sessions.values()
    job = session.credential.job_id
    terms = acceptor._terms[job]
    assert provider.status(terms).status == JobStatus.ACCEPTED
    assert terms.budget == SESSION_TOKENS * PRICE and terms.consumer == consumer.address
    bill = session.latest_bill
    assert isinstance(bill, SignedBill) and bill.seq == 2
    verify_bill(bill, provider.address)
    tokens = bill.total_tokens
    assert tokens == server.book.get(job).total_tokens

    acceptor.close(job)
    state = provider.status(terms)
    assert (state.status, state.units, state.committed_result) == (
        JobStatus.DELIVERED,
        tokens,
        bill.head,
    )
    devnet.advance(int(devnet.protocol.contracts.escrow.read("disputeWindow")))
    provider.finalize(terms)
    paid = provider.pay_out([terms])
    pay = tokens * PRICE
    assert paid.provider_pay == pay - pay * 100 // 10_000 - pay * 50 // 10_000
    assert paid.consumer_refund == terms.budget - pay
    assert consumer.balance().claimable == terms.budget - pay


def test_provider_refuses_a_session_whose_spec_does_not_match(
    devnet: DevNet, provider_server: tuple[LoopbackServer, LLMServer, SessionAcceptor]
) -> None:
    running, _, _ = provider_server
    consumer, provider = devnet.consumer, devnet.provider
    spec = LLMSessionSpec(model=MODEL, session_key_hash="0x" + "ab" * 32)
    other = LLMSessionSpec(model=MODEL, session_key_hash="0x" + "cd" * 32)
    terms = consumer.new_terms(
        provider=provider.address, budget=100 * PRICE, price_per_unit=PRICE, spec=spec.as_json()
    )
    consumer.open_job(terms)
    refused = httpx.post(f"{running.base_url}/llm/sessions", json=session_open_body(terms, other))
    assert refused.status_code == 409 and "does not hash" in refused.text
    cheap = consumer.new_terms(
        provider=provider.address, budget=100, price_per_unit=1, spec=spec.as_json()
    )
    too_cheap = httpx.post(f"{running.base_url}/llm/sessions", json=session_open_body(cheap, spec))
    assert too_cheap.status_code == 409 and "below" in too_cheap.text
    accepted = httpx.post(f"{running.base_url}/llm/sessions", json=session_open_body(terms, spec))
    assert accepted.status_code == 200
    assert provider.status(terms).status == JobStatus.ACCEPTED
