"""gpuc llm serve / gpuc gateway: sell a language model per token, buy it through
an OpenAI-compatible gateway. Both bind 127.0.0.1 only."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Annotated

import typer
import uvicorn
from pydantic import TypeAdapter, ValidationError

from gpuc.context import cli_command, state
from gpuc.devnet.llm_cheat import LLMCheat, answer_tamper, perturbed_engine
from gpuc.errors import UsageError
from gpuc.gateway.gateway import Gateway, create_gateway_app
from gpuc.gateway.sessions import ChainSessionOpener
from gpuc.parsing import parse_amount
from protocol.errors import ProtocolError
from protocol.llm.engine import Engine
from protocol.llm.transformers_engine import GEMMA_270M, load_engine
from protocol.llm.upstream import UpstreamEngine
from protocol.pricing import FixedPricing, PricingStrategy
from protocol.roles import Consumer, Provider
from provider.errors import ProviderError
from provider.llm.chain_sessions import SessionAcceptor
from provider.llm.pricing import TokenMeter
from provider.llm.server import LLMServer, create_llm_app
from provider.llm.session import SessionBook

if TYPE_CHECKING:
    from provider.llm.batch_desk import LLMBatchDesk

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
) -> None:
    """Serve /v1/chat/completions, /v1/completions and /v1/models to sessions opened on
    chain for this provider's wallet (--keystore or GPUC_PRIVATE_KEY)."""
    s = state()
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
        engine = perturbed_engine(embedded) if cheat is LLMCheat.PERTURBED_WEIGHTS else embedded
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
    desk = _batch_desk(engine, seller, server, heartbeat) if sell_batches else None
    if desk is not None:
        s.output.note(f"selling {model} batches in the book of {desk.matcher.base_url}")
        threading.Thread(target=desk.run, args=(stop,), name="llm-batch-desk", daemon=True).start()
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


def _batch_desk(
    engine: Engine, seller: Provider, server: LLMServer, heartbeat_s: float
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
    )


@cli_command
def gateway(
    provider: Annotated[
        list[str], typer.Option(help="A provider's LLM URL (repeat for failover).")
    ],
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1.")] = 8300,
    session_tokens: Annotated[
        int, typer.Option(min=16, help="Tokens each session's escrow pays for.")
    ] = 4096,
    provider_timeout: Annotated[
        float, typer.Option(min=1, help="Seconds before a provider is dropped.")
    ] = 30,
) -> None:
    """An OpenAI-compatible endpoint on 127.0.0.1 that buys tokens from the best provider
    now (price, then latency), from a session escrow opened with your wallet, and fails
    over to the next provider. Point any OpenAI client at http://127.0.0.1:PORT/v1."""
    s = state()
    opener = ChainSessionOpener(Consumer(s.protocol(), s.wallet()))
    front = Gateway(provider, opener, session_tokens=session_tokens, timeout=provider_timeout)
    s.output.note(f"gateway on http://127.0.0.1:{port}/v1 over {len(provider)} provider(s)")
    try:
        uvicorn.run(
            create_gateway_app(front),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
        )
    finally:
        asyncio.run(front.aclose())
