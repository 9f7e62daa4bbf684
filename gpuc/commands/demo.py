"""gpuc demo: a scripted marketplace session with a summary table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gpuc.context import cli_command, state
from gpuc.market.demo import DemoReport, run_demo
from gpuc.market.local_market import LocalMarket
from gpuc.market.plan import LLMProviderPlan, MarketPlan
from protocol.amounts import format_units

DEMO_CONSUMER = 3  # a second dev consumer, so `gpuc up`'s own opener leaves its jobs alone


@cli_command
def demo(
    market_file: Annotated[
        Path | None,
        typer.Option("--market", help="market.json of a running `gpuc up` (default: start one)."),
    ] = None,
    matmul_jobs: Annotated[int, typer.Option(min=1, max=20)] = 3,
    embeddings_jobs: Annotated[int, typer.Option(min=0, max=10)] = 2,
    llm: Annotated[
        bool, typer.Option(help="Also buy a chat answer from an LLM provider (own market).")
    ] = True,
) -> None:
    """Run jobs of each kind, a limit-buy batch that waits for a price drop and a cheating
    provider that gets slashed; print what happened and what it cost."""
    out = state().output
    if market_file is not None:
        market = LocalMarket.attach(market_file, consumer_account=DEMO_CONSUMER)
    else:
        out.note("starting a local market (chain, oracles, matcher, providers)...")
        market = LocalMarket(
            MarketPlan(
                dispute_window_s=15,
                llm_providers=(LLMProviderPlan(name="gemma", account=8),) if llm else (),
            )
        )
        market.start()
    try:
        report = run_demo(
            market, matmul_jobs=matmul_jobs, embeddings_jobs=embeddings_jobs, say=out.note
        )
    finally:
        market.stop()
    _show(report)


def _gpuc(wei: int | None) -> str:
    return "-" if wei is None else format_units(wei)


def _short(wei: int) -> str:
    return f"{wei / 10**18:.6f}"


def _show(report: DemoReport) -> None:
    out = state().output
    if out.json_mode:
        out.result(report.model_dump())
        return
    kinds = sorted({j.kind for j in report.jobs})
    rows = []
    for kind in kinds:
        mine = [j for j in report.jobs if j.kind == kind]
        low = min(j.price_per_unit_wei for j in mine)
        high = max(j.price_per_unit_wei for j in mine)
        prices = [_short(low)] if low == high else [f"{_short(low)}-{_short(high)}"]
        rows.append(
            (
                kind,
                len(mine),
                ", ".join(sorted({j.status for j in mine})),
                ", ".join(prices),
                _gpuc(sum(j.paid_to_provider_wei for j in mine)),
                ", ".join(sorted({j.provider for j in mine})),
                f"{max(j.seconds for j in mine):.1f}",
            )
        )
    out.rows(
        title="jobs run",
        columns=("kind", "jobs", "status", "price/unit (GPUC)", "paid to providers", "providers",
                 "slowest (s)"),
        rows=rows,
    )  # fmt: skip
    if report.llm is not None:
        m = report.llm
        out.note(f"\nchat answer bought in real time: {m.question!r} -> {m.answer!r}")
        out.rows(
            title="LLM session (gateway -> provider, paid per token from escrow)",
            columns=("tokens (prompt+completion)", "GPUC/1k tokens", "cost", "first token (s)",
                     "tokens/s", "session", "on chain"),
            rows=[(f"{m.prompt_tokens}+{m.completion_tokens}", _gpuc(m.price_per_1k_tokens_wei),
                   _gpuc(m.cost_wei), f"{m.first_token_s:.2f}", f"{m.tokens_per_s:.1f}",
                   m.session[:12] + "...", m.chain_status)],
        )  # fmt: skip
    b = report.batch
    out.rows(
        title="limit-buy batch (official openai client)",
        columns=("limit/unit", "market when placed", "waited (s)", "filled at", "batch",
                 "on chain"),
        rows=[(_gpuc(b.limit_wei), _gpuc(b.price_when_placed_wei), b.waited_s,
               _gpuc(b.fill_price_wei), f"{b.status} ({b.completed_requests} answers)",
               b.chain_status)],
    )  # fmt: skip
    c = report.cheat
    out.rows(
        title="cheating provider",
        columns=("status", "provider slashed", "budget back", "compensation", "consumer credited"),
        rows=[(c.status, _gpuc(c.slashed_wei), _gpuc(c.budget_wei), _gpuc(c.compensation_wei),
               _gpuc(c.consumer_credited_wei))],
    )  # fmt: skip
    g = report.gas
    per_tx = g.gas_used // g.transactions if g.transactions else 0
    out.rows(
        title="gas (every transaction mined during the demo)",
        columns=("blocks", "transactions", "gas used", "gas per transaction", "demo took (s)"),
        rows=[(g.blocks, g.transactions, f"{g.gas_used:,}", f"{per_tx:,}",
               f"{report.elapsed_s:.0f}")],
    )  # fmt: skip
