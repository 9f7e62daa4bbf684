"""The LLM gateway finds its providers in the matcher's book (issue #12).

Real parts: the matcher under uvicorn on loopback (reputations from a fixed table
standing in for the chain reader, as in test_matcher_routing_api.py), four LLM
provider servers on loopback serving the real Gemma 3 270M, each listing its offer
through the SDK's signed MatcherClient (provider.llm.listing), and the gateway served
over HTTP and called with the unchanged ``openai`` client. No chain: sessions are
opened straight in each provider's session book (an in-process opener, named as such;
tests/chain/test_llm_session_chain.py opens them as escrows on anvil).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from matcher_api_helpers import CHAIN_ID, LiveServer, Wallet, offer_payload, send, settings_for

from gpuc.gateway.discovery import MatcherOfferSource
from gpuc.gateway.gateway import Gateway, create_gateway_app
from gpuc.gateway.offers import ProviderOffer
from gpuc.gateway.sessions import OpenedSession
from matcher.book.clock import SystemClock
from matcher.routing import ProviderRouting, newcomer
from matcher.routing.chain_source import Uptime
from protocol.llm.session_key import SessionCredential, new_session_secret, session_key_hash
from protocol.llm.transformers_engine import TransformersEngine
from protocol.llm.types import TokenStep
from protocol.matcher_client import MatcherClient
from protocol.reputation import RoutingPreference
from protocol.wallet import Wallet as SdkWallet
from protocol.wire.llm_offer import LLMListing
from provider.llm.listing import LLMOfferPresence
from provider.llm.server import LLMServer, create_llm_app
from provider.llm.session import SessionBook
from provider.results.server import LoopbackServer

MODEL = "gemma-3-270m"
# name -> (wallet seed, price per token in wei, failure probability or None = newcomer)
PROVIDERS: dict[str, tuple[int, int, float | None]] = {
    "newcomer": (71, 1, None),
    "flaky": (72, 2, 0.4),
    "solid": (73, 3, 0.02),
    "late": (74, 4, 0.01),  # lists itself only after the gateway's first read
}


def _reputation(address: str, fail: float) -> ProviderRouting:
    return newcomer(address).model_copy(
        update={
            "score": 1 - fail,
            "failure_probability": fail,
            "reliability": 1 - fail,
            "provisional": False,
            "jobs": 20,
            "completed": 20 - int(20 * fail),
            "failed": int(20 * fail),
        }
    )


def _source(providers: Sequence[str], uptime: Uptime) -> list[ProviderRouting]:
    del uptime
    known = {
        Wallet(seed).address.lower(): fail
        for seed, _, fail in PROVIDERS.values()
        if fail is not None
    }
    return [_reputation(p, known[p.lower()]) for p in providers if p.lower() in known]


class SwitchableEngine:
    """The real engine; ``broken`` makes it raise (failure injection: the provider
    answers 500 as a crashed model would)."""

    def __init__(self, engine: TransformersEngine) -> None:
        self._engine = engine
        self.broken = False

    @property
    def model(self) -> str:
        return self._engine.model

    def count_tokens(self, text: str) -> int:
        return self._engine.count_tokens(text)

    def stream(
        self, prompt: str, max_tokens: int, top_logprobs: int = 0, chat: bool = False
    ) -> Iterator[TokenStep]:
        if self.broken:
            raise RuntimeError("the model crashed")
        return self._engine.stream(prompt, max_tokens, top_logprobs, chat)


class InProcessOpener:
    """Opens a session straight in the chosen provider's own book (no escrow here)."""

    def __init__(self, servers: dict[str, LLMServer]) -> None:
        self.servers = servers
        self.opened: list[str] = []

    def open(self, offer: ProviderOffer, tokens: int) -> OpenedSession:
        secret = new_session_secret()
        book = self.servers[offer.url].book
        job_id = (len(book.sessions()) + 1).to_bytes(32, "big")
        book.open(job_id, session_key_hash(secret), tokens)
        self.opened.append(offer.url)
        return OpenedSession(offer, SessionCredential(job_id, secret), tokens)


class Market:
    def __init__(self, matcher: LiveServer, engine: TransformersEngine, stack: ExitStack) -> None:
        self.matcher = matcher
        self.engine = engine
        self.stack = stack
        self.servers: dict[str, LLMServer] = {}  # url -> server
        self.url_of: dict[str, str] = {}  # name -> url
        self.engines: dict[str, SwitchableEngine] = {}
        self.presence: dict[str, LLMOfferPresence] = {}

    def start(self, name: str) -> None:
        seed, price, _ = PROVIDERS[name]
        wallet = Wallet(seed)
        engine = SwitchableEngine(self.engine)
        server = LLMServer(engine, SessionBook(wallet.key), wallet.address, price_per_token=price)
        running = self.stack.enter_context(LoopbackServer(create_llm_app(server)))
        self.servers[running.base_url] = server
        self.url_of[name] = running.base_url
        self.engines[name] = engine
        client = MatcherClient(
            self.matcher.url, chain_id=CHAIN_ID, wallet=SdkWallet.from_private_key(wallet.key)
        )
        self.stack.callback(client.close)
        presence = LLMOfferPresence(
            client,
            MODEL,
            LLMListing(endpoint=running.base_url, quantization=self.engine.quantization),
            lambda: server.price_per_token,
            lambda: 0.0,
        )
        assert presence.upkeep() == "registered"
        self.presence[name] = presence

    def answered_by(self, opener: InProcessOpener) -> str:
        url = opener.opened[-1]
        return next(n for n, u in self.url_of.items() if u == url)


@pytest.fixture(scope="module")
def market(
    llm_engine: TransformersEngine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Market]:
    db = f"sqlite:///{tmp_path_factory.mktemp('matcher') / 'matcher.db'}"
    with (
        LiveServer(settings_for(db), SystemClock(), reputation_source=_source) as matcher,
        ExitStack() as stack,
    ):
        market = Market(matcher, llm_engine, stack)
        for name in ("newcomer", "flaky", "solid"):
            market.start(name)
        deadline = time.monotonic() + 20
        while True:  # the routing table reaches the book every 0.2 s
            offers = httpx.get(f"{matcher.url}/api/market/offers").json()
            if sum(o["routing"]["reputation"]["jobs"] > 0 for o in offers) == 2:
                break
            assert time.monotonic() < deadline, "routing metadata never arrived"
            time.sleep(0.05)
        yield market


@contextlib.contextmanager
def _gateway(
    market: Market, preference: RoutingPreference, refresh_s: float = 600.0
) -> Iterator[tuple[openai.OpenAI, Gateway, InProcessOpener]]:
    opener = InProcessOpener(market.servers)
    gateway = Gateway(
        MatcherOfferSource(market.matcher.url),
        opener,
        preference=preference,
        refresh_s=refresh_s,
        ban_seconds=600,
    )
    with LoopbackServer(create_gateway_app(gateway)) as front:
        client = openai.OpenAI(base_url=f"{front.base_url}/v1", api_key="local", max_retries=0)
        yield client, gateway, opener
    asyncio.run(gateway.aclose())


def _ask(client: openai.OpenAI, stream: bool = False) -> str:
    messages: Any = [{"role": "user", "content": "What is the capital of France?"}]
    if stream:
        chunks = client.chat.completions.create(
            model=MODEL, messages=messages, max_tokens=2, stream=True
        )
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    answer = client.chat.completions.create(model=MODEL, messages=messages, max_tokens=2)
    return answer.choices[0].message.content or ""


def test_offers_carry_the_listing_and_what_the_engine_runs(market: Market) -> None:
    offers = httpx.get(f"{market.matcher.url}/api/market/offers", params={"resource": MODEL})
    by_owner = {o["owner"]: o for o in offers.json()}
    solid = by_owner[Wallet(PROVIDERS["solid"][0]).address]
    assert solid["llm"]["endpoint"] == market.url_of["solid"]
    assert solid["routing"]["llm_model"] == MODEL
    assert solid["routing"]["quantization"] == "Q4_K_M dequantized to float32"
    assert solid["price_wei"] == str(3 * 1000)  # per 1k tokens, the resource's unit
    assert solid["routing"]["reputation"]["failure_probability"] == 0.02


@pytest.mark.parametrize(
    ("preference", "expected"),
    [
        (RoutingPreference(reliability=0.0), "newcomer"),  # cheapest
        (RoutingPreference(reliability=0.0, allow_provisional=False), "flaky"),
        (RoutingPreference(reliability=0.5), "solid"),  # effective price
        (RoutingPreference(reliability=0.0, min_reputation=0.9), "solid"),
        (
            RoutingPreference(
                reliability=0.0,
                blocked=frozenset({Wallet(PROVIDERS["newcomer"][0]).address.lower()}),
            ),
            "flaky",
        ),
    ],
    ids=["price-first", "no-provisional", "reliability", "min-reputation", "blocked"],
)
def test_gateway_routes_by_the_books_effective_price(
    market: Market, preference: RoutingPreference, expected: str
) -> None:
    with _gateway(market, preference) as (client, gateway, opener):
        assert [m.id for m in client.models.list()] == [MODEL]
        assert _ask(client, stream=expected == "solid")
        assert market.answered_by(opener) == expected
        # Nobody that the preference rules out is even a candidate.
        chosen = {o.url for o in gateway.candidates(MODEL)}
        assert market.url_of[expected] in chosen
        if preference.blocked or not preference.allow_provisional:
            assert market.url_of["newcomer"] not in chosen
        if preference.min_reputation:
            assert chosen == {market.url_of["solid"]}


def test_gateway_rereads_the_book_on_failover(market: Market) -> None:
    """Only 'solid' qualifies when the gateway first reads the book; 'late' lists itself
    afterwards. When solid's model crashes, the gateway re-reads the offers at once
    (its periodic refresh is 10 minutes away) and the answer comes from 'late'."""
    with _gateway(market, RoutingPreference(reliability=0.0, min_reputation=0.95)) as (
        client,
        gateway,
        opener,
    ):
        assert _ask(client) and market.answered_by(opener) == "solid"
        reads = gateway.refreshes
        market.start("late")
        deadline = time.monotonic() + 20
        late = Wallet(PROVIDERS["late"][0]).address
        while not httpx.get(
            f"{market.matcher.url}/api/market/offers", params={"owner": late}
        ).json()[0]["routing"]["reputation"]["jobs"]:
            assert time.monotonic() < deadline, "routing for 'late' never arrived"
            time.sleep(0.05)
        market.engines["solid"].broken = True
        try:
            assert _ask(client)
        finally:
            market.engines["solid"].broken = False
        assert market.answered_by(opener) == "late"
        assert gateway.failovers == 1 and gateway.refreshes == reads + 1


def test_offer_upkeep_reprices_and_relists(market: Market) -> None:
    presence = market.presence["flaky"]
    server = market.servers[market.url_of["flaky"]]
    assert presence.upkeep() == "heartbeat"
    server._fixed_price = 5  # the provider raised its per-token price
    try:
        assert presence.upkeep() == "repriced"
        assert presence.client.offer(str(presence.offer_id)).price_wei == 5000
    finally:
        server._fixed_price = PROVIDERS["flaky"][1]
        presence.upkeep()
    old = presence.offer_id
    presence.client.withdraw_offer(str(old))  # as if it lapsed from the book
    assert presence.upkeep() == "registered" and presence.offer_id != old


def test_a_listing_is_refused_where_it_does_not_belong(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'matcher.db'}"
    wallet = Wallet(75)
    listing = {"endpoint": "http://127.0.0.1:8200", "quantization": "Q4_K_M"}
    with (
        LiveServer(settings_for(db), SystemClock()) as matcher,
        httpx.Client(base_url=matcher.url) as http,
    ):

        def register(resource: str, llm: Any) -> httpx.Response:
            payload = {**offer_payload(resource), "llm": llm}
            answer: httpx.Response = send(
                http, time.time(), wallet, "POST", "/api/market/offers", payload
            )
            return answer

        gpu = register("h100", listing)
        assert gpu.status_code == 422 and "llm" in gpu.text and "per token" in gpu.text
        for bad in (
            {**listing, "endpoint": "ftp://127.0.0.1:8200"},
            {**listing, "endpoint": "http://127.0.0.1:8200/v1?x=1"},
            {**listing, "quantization": ""},
        ):
            refused = register(MODEL, bad)
            assert refused.status_code == 422 and "llm" in refused.text, refused.text
        assert httpx.get(f"{matcher.url}/api/market/offers").json() == []
        assert register(MODEL, listing).status_code == 201
