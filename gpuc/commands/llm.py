"""gpuc llm serve / gpuc gateway: sell a language model per token, buy it through
an OpenAI-compatible gateway. Both bind 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from gpuc.context import cli_command, state
from gpuc.devnet.llm_cheat import LLMCheat
from gpuc.gateway.discovery import DEFAULT_REFRESH_S
from protocol.llm.transformers_engine import GEMMA_270M

if TYPE_CHECKING:  # imported where used: `gpuc llm CMD --help` must not load web3 or torch
    from protocol.llm.engine import Engine
    from protocol.roles import Provider
    from protocol.wire.llm_offer import LLMListing
    from provider.llm.batch_desk import LLMBatchDesk
    from provider.llm.listing import LLMOfferPresence
    from provider.llm.server import LLMServer

LISTING_HEARTBEAT_S = 15.0

app = typer.Typer(help="Serve a language model per token from on-chain sessions.")


@app.command("serve")
@cli_command
def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1.")] = 8200,
    price: Annotated[
        str, typer.Option(help="GPUC per 1k tokens (prompt + completion), e.g. 0.5.")
    ] = "1",
    model: Annotated[str, typer.Option(help="The model served.")] = GEMMA_270M,
    upstream: Annotated[
        str | None,
        typer.Option(help="URL of an OpenAI-compatible server to serve through (else embedded)."),
    ] = None,
    cheat: Annotated[
        LLMCheat | None, typer.Option(help="Cheat (to see the oracles catch it).")
    ] = None,
    stake: Annotated[
        str | None,
        typer.Option(help="Stake up to this much GPUC first (collateral for sessions)."),
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option(
            help="Pricing strategy JSON over tokens (GPUC wei per token), e.g. "
            '{"kind": "utilization_sigmoid", "p_min_wei": ..., "p_max_wei": ...}; '
            "default: fixed at --price."
        ),
    ] = None,
    close_idle: Annotated[
        float, typer.Option(min=1, help="Close a session (submit its bill) after N idle s.")
    ] = 30.0,
    oracle: Annotated[
        list[str] | None,
        typer.Option(
            help="An oracle's URL (repeat): each closed session's receipt goes there to be "
            "judged (else nobody re-checks the answers)."
        ),
    ] = None,
    sell_batches: Annotated[
        bool,
        typer.Option(
            help="Also offer the model in the matcher's book (--matcher) and run the Batch API "
            "chat/completion jobs that fill at its price."
        ),
    ] = False,
    heartbeat: Annotated[
        float,
        typer.Option(
            min=0.5,
            help="Seconds between the book offer's heartbeats (keep it under the matcher's"
            " offer TTL).",
        ),
    ] = 15.0,
    quantization: Annotated[
        str | None,
        typer.Option(
            help="What the --upstream engine runs (e.g. Q4_K_M, fp16); the embedded engine "
            "says it itself. Shown in the offer's routing metadata."
        ),
    ] = None,
    list_offer: Annotated[
        bool,
        typer.Option(
            "--list-offer/--no-list-offer",
            help="Offer the model in the matcher's book (--matcher) so gateways find it.",
        ),
    ] = True,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="Base URL gateways reach this server at (default http://127.0.0.1:PORT)."
        ),
    ] = None,
) -> None:
    """Serve /v1/chat/completions, /v1/completions and /v1/models to sessions opened on
    chain for this provider's wallet (--keystore or GPUC_PRIVATE_KEY), and list the model
    in the matcher's book with where it is served."""
    import uvicorn
    from pydantic import TypeAdapter, ValidationError

    from gpuc.devnet.llm_cheat import answer_tamper, perturbed_engine
    from gpuc.errors import UsageError
    from gpuc.parsing import parse_amount
    from protocol.errors import ProtocolError
    from protocol.llm.transformers_engine import load_engine
    from protocol.llm.upstream import UpstreamEngine
    from protocol.matcher_client import MatcherClient, MatcherClientError
    from protocol.pricing import FixedPricing, PricingStrategy
    from protocol.roles import Provider
    from protocol.wire.llm_offer import LLMListing
    from provider.errors import ProviderError
    from provider.llm.chain_sessions import SessionAcceptor
    from provider.llm.listing import LLMOfferPresence
    from provider.llm.pricing import TokenMeter
    from provider.llm.server import LLMServer, create_llm_app
    from provider.llm.session import SessionBook

    s = state()
    if upstream is not None and quantization is None:
        raise UsageError("--quantization: say what the --upstream engine runs (e.g. Q4_K_M)")
    price_per_token = max(parse_amount(price) // 1000, 1)
    # Fixed at --price unless a strategy is given; the meter measures tokens/s either way.
    meter = TokenMeter(FixedPricing(price_wei=price_per_token))
    if strategy is not None:
        try:
            meter = TokenMeter(TypeAdapter(PricingStrategy).validate_json(strategy))
        except ValidationError as exc:
            raise UsageError(f"--strategy: {exc.errors()[0]['msg']}") from None
    wallet = s.wallet()
    engine: Engine
    if upstream is not None:
        engine = UpstreamEngine(upstream, model)
    else:
        embedded = load_engine(model)
        quantization = quantization or embedded.quantization
        engine = perturbed_engine(embedded) if cheat is LLMCheat.PERTURBED_WEIGHTS else embedded
    try:
        listing = LLMListing(
            endpoint=public_url or f"http://127.0.0.1:{port}", quantization=str(quantization)
        )
    except ValidationError as exc:
        raise UsageError(f"--public-url/--quantization: {exc.errors()[0]['msg']}") from None
    book = SessionBook(wallet)
    seller = Provider(s.protocol(), wallet)
    if stake is not None:
        status = seller.provider_status()
        missing = parse_amount(stake) - status.free - status.locked
        if missing > 0:
            seller.stake(missing)
    server = LLMServer(
        engine,
        book,
        wallet.address,
        answer_tamper=None if cheat is None else answer_tamper(cheat),
        price_per_token=price_per_token,
        meter=meter,
    )
    acceptor = SessionAcceptor(
        seller,
        book,
        model,
        lambda: server.price_per_token,
        oracle_urls=oracle or (),
        public_url=f"http://127.0.0.1:{port}",
    )
    server.acceptor = acceptor
    s.output.note(f"{model} on http://127.0.0.1:{port}/v1 at {price} GPUC per 1k tokens")
    stop = threading.Event()

    def closer() -> None:
        while not stop.wait(min(close_idle, 5.0)):
            try:
                for session in acceptor.close_idle(close_idle):
                    s.output.note(
                        f"closed session 0x{session.job_id.hex()}: {session.total_tokens} tokens"
                    )
                for ident in acceptor.settle_closed():
                    s.output.note(f"paid out session 0x{ident.hex()}")
            except (ProtocolError, ProviderError) as exc:
                s.output.note(f"session upkeep failed, retrying: {exc}")

    thread = threading.Thread(target=closer, name="llm-session-closer", daemon=True)
    thread.start()
    # One offer in the book: with --sell-batches the batch desk keeps it (it also carries
    # the listing gateways find); else, with --list-offer, a presence keeps it for gateways.
    desk = _batch_desk(engine, seller, server, heartbeat, listing) if sell_batches else None
    if desk is not None:
        s.output.note(f"selling {model} batches in the book of {desk.matcher.base_url}")
        threading.Thread(target=desk.run, args=(stop,), name="llm-batch-desk", daemon=True).start()
    presence = None
    if list_offer and desk is None:
        presence = LLMOfferPresence(
            MatcherClient(s.settings.matcher_url, chain_id=s.protocol().chain_id, wallet=wallet),
            model,
            listing,
            lambda: server.price_per_token,
            lambda: 0.0 if server.meter is None else server.meter.supply_per_s(),
        )
        threading.Thread(
            target=_keep_listed, args=(presence, stop), name="llm-offer", daemon=True
        ).start()
    try:
        uvicorn.run(
            create_llm_app(server),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )
    finally:
        stop.set()
        if desk is not None:
            desk.withdraw()
        if presence is not None:
            with contextlib.suppress(MatcherClientError):
                presence.withdraw()


def _batch_desk(
    engine: Engine,
    seller: Provider,
    server: LLMServer,
    heartbeat_s: float,
    listing: LLMListing,
) -> LLMBatchDesk:
    """The standing offer in the matcher's book and the batch jobs it fills; its events go
    to standard output, one JSON object a line (provider.agent_log)."""
    from protocol.matcher_client import MatcherClient
    from provider.agent_log import AgentLog
    from provider.llm.batch_desk import LLMBatchDesk

    s = state()
    matcher = MatcherClient(
        s.settings.matcher_url, chain_id=seller.protocol.chain_id, wallet=seller.wallet
    )
    meter = server.meter
    return LLMBatchDesk(
        engine,
        seller,
        matcher,
        lambda: server.price_per_token,
        AgentLog(),
        tokens_per_s=(lambda: meter.supply_per_s()) if meter is not None else lambda: 0.0,
        metrics=server.offer_metrics,
        on_run=lambda run, busy_s: server.record_served(run.tokens, run.completion_tokens, busy_s),
        heartbeat_s=heartbeat_s,
        listing=listing,
    )


def _keep_listed(presence: LLMOfferPresence, stop: threading.Event) -> None:
    """Keep the offer in the matcher's book (heartbeat well inside its 60 s TTL)."""
    from protocol.matcher_client import MatcherClientError

    out = state().output
    while True:
        try:
            if presence.upkeep() == "registered":
                out.note(f"offered {presence.model} in the matcher's book ({presence.offer_id})")
        except MatcherClientError as exc:
            out.note(f"matcher offer upkeep failed, retrying: {exc}")
        if stop.wait(LISTING_HEARTBEAT_S):
            return


@cli_command
def gateway(
    provider: Annotated[
        list[str] | None,
        typer.Option(
            help="Buy only from this provider URL (repeat; for testing). Default: the LLM "
            "offers in the matcher's book (--matcher)."
        ),
    ] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1.")] = 8300,
    session_tokens: Annotated[
        int, typer.Option(min=16, help="Tokens each session's escrow pays for.")
    ] = 4096,
    provider_timeout: Annotated[
        float, typer.Option(min=1, help="Seconds before a provider is dropped.")
    ] = 30,
    min_reputation: Annotated[
        float, typer.Option(min=0, max=1, help="Only providers whose reputation is at least this.")
    ] = 0.0,
    reliability: Annotated[
        float,
        typer.Option(
            min=0, max=1, help="0 = cheapest first, 1 = most reliable first (effective price)."
        ),
    ] = 0.0,
    allow_provisional: Annotated[
        bool,
        typer.Option(
            "--allow-provisional/--no-provisional",
            help="Whether providers with little history may answer.",
        ),
    ] = True,
    exclude_provider: Annotated[
        list[str] | None,
        typer.Option(help="A provider address never to buy from (repeat)."),
    ] = None,
    refresh: Annotated[
        float, typer.Option(min=0.1, help="Seconds between re-reads of the offers.")
    ] = DEFAULT_REFRESH_S,
    oracle: Annotated[
        list[str] | None,
        typer.Option(
            help="An oracle's URL (repeat): each session whose receipt is committed on "
            "chain is reported there, so a provider that stays quiet is judged too."
        ),
    ] = None,
) -> None:
    """An OpenAI-compatible endpoint on 127.0.0.1 that buys tokens from the best LLM offer
    in the matcher's book now (effective price for your preference, then latency), from
    a session escrow opened with your wallet, and fails over to the next provider.
    Point any OpenAI client at http://127.0.0.1:PORT/v1."""
    import uvicorn

    from gpuc.gateway.discovery import MatcherOfferSource, OfferSource, ProviderUrlSource
    from gpuc.gateway.evidence import EvidenceReporter
    from gpuc.gateway.gateway import Gateway, create_gateway_app
    from gpuc.gateway.sessions import ChainSessionOpener, SessionOpener
    from gpuc.parsing import parse_address
    from protocol.reputation import RoutingPreference
    from protocol.roles import Consumer

    s = state()
    blocked = [parse_address(a, "--exclude-provider") for a in exclude_provider or []]
    preference = RoutingPreference(
        min_reputation=min_reputation,
        reliability=reliability,
        allow_provisional=allow_provisional,
        blocked=frozenset(blocked),
    )
    source: OfferSource = (
        ProviderUrlSource(provider) if provider else MatcherOfferSource(s.settings.matcher_url)
    )
    consumer = Consumer(s.protocol(), s.wallet())
    opener: SessionOpener = ChainSessionOpener(consumer)
    stop = threading.Event()
    if oracle:  # report sessions committed on chain, so a quiet provider is judged too
        reporter = EvidenceReporter(consumer, oracle)
        opener = reporter.opener(opener)
        threading.Thread(target=reporter.run, args=(stop,), daemon=True).start()
    front = Gateway(
        source,
        opener,
        session_tokens=session_tokens,
        timeout=provider_timeout,
        preference=preference,
        refresh_s=refresh,
    )
    where = (
        f"{len(provider)} provider(s)" if provider else f"the offers at {s.settings.matcher_url}"
    )
    s.output.note(f"gateway on http://127.0.0.1:{port}/v1 over {where}")
    try:
        uvicorn.run(
            create_gateway_app(front),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )
    finally:
        stop.set()
        asyncio.run(front.aclose())
