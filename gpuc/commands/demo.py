"""gpuc demo: a scripted marketplace session with a summary table."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gpuc.context import cli_command, state
from protocol.amounts import format_units

if TYPE_CHECKING:  # imported where used: `gpuc demo --help` must not load web3
    from gpuc.market.demo import DemoReport
    from gpuc.market.local_market import LocalMarket


@cli_command
def demo(
    market_file: Annotated[
        Path | None,
        typer.Option("--market", help="market.json of a running `gpuc up` (default: start one)."),
    ] = None,
    matmul_jobs: Annotated[int, typer.Option(min=1, max=20)] = 3,
    embeddings_jobs: Annotated[int, typer.Option(min=0, max=10)] = 2,
    container_jobs: Annotated[int, typer.Option(min=0, max=5)] = 1,
    llm: Annotated[
        bool, typer.Option(help="Also buy a chat answer from an LLM provider (own market).")
    ] = True,
) -> None:
    """Run jobs of each kind, a limit-buy batch that waits for a price drop and a cheating
    provider that gets slashed; print what happened and what it cost."""
    from gpuc.market.demo import run_demo
    from gpuc.market.local_market import LocalMarket, consumer_account
    from gpuc.market.plan import LLMProviderPlan, MarketPlan
    from protocol.failover import FailoverPolicy

    out = state().output
    if market_file is not None:
        # The consumer `gpuc up` advertised (its opener may open some of our fills first:
        # the demo follows jobs on chain, whoever opened them).
        market = LocalMarket.attach(market_file, consumer_account=consumer_account(market_file))
    else:
        out.note("starting a local market (chain, oracles, matcher, providers)...")
        # Short heartbeats so a killed provider is noticed within seconds.
        market = LocalMarket(
            MarketPlan(
                dispute_window_s=15,
                agent_heartbeat_s=2.0,
                heartbeat_ttl_s=10.0,
                failover=FailoverPolicy(silence_s=6.0),
                llm_providers=(LLMProviderPlan(name="gemma", account=3),) if llm else (),
            )
        )
        market.start()
    batches: list[str] = []
    try:
        report = run_demo(
            market,
            matmul_jobs=matmul_jobs,
            embeddings_jobs=embeddings_jobs,
            container_jobs=container_jobs,
            say=out.note,
            batches=batches,
        )
    except KeyboardInterrupt:
        if market_file is not None:  # a market that keeps running: close what we opened
            _close_leftovers(market, batches)
        raise
    finally:
        market.stop()
    _show(report)


def _close_leftovers(market: LocalMarket, batches: list[str]) -> None:
    """Cancel the demo's resting orders and unfinished batches, cancel its jobs nobody
    accepted, let the providers it started deliver what they accepted, claim the money
    back, and name what is still open (gpuc.market.demo_cleanup). A second Ctrl-C stops
    the clean-up."""
    from gpuc.market.demo_cleanup import close_demo_leftovers

    errors = state().output.errors
    errors.print("interrupted: closing the jobs this demo opened (Ctrl-C again to skip)")
    try:
        closed = close_demo_leftovers(
            market, batches, lambda text: errors.print(text, markup=False, soft_wrap=True)
        )
    except KeyboardInterrupt:
        errors.print("clean-up skipped: `gpuc job status` shows the jobs left open")
        return
    for line in closed:
        errors.print(
            f"job {line.job}: {line.status_before} -> {line.status_after}, {line.action}",
            markup=False,
            soft_wrap=True,
        )


def _gpuc(wei: int | None) -> str:
    return "-" if wei is None else format_units(wei)


def _short(wei: int) -> str:
    return f"{wei / 10**18:.6f}"


def _show(report: DemoReport) -> None:
    from gpuc.market.llm_demo import BATCH_QUESTIONS

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
        chat = report.llm
        out.note(f"\nchat answer bought in real time: {chat.question!r} -> {chat.answer!r}")
        out.rows(
            title="LLM session (gateway -> provider, paid per token from escrow)",
            columns=("tokens (prompt+completion)", "GPUC/1k tokens", "cost", "first token (s)",
                     "tokens/s", "session", "on chain"),
            rows=[(f"{chat.prompt_tokens}+{chat.completion_tokens}",
                   _gpuc(chat.price_per_1k_tokens_wei), _gpuc(chat.cost_wei),
                   f"{chat.first_token_s:.2f}", f"{chat.tokens_per_s:.1f}",
                   chat.session[:12] + "...", chat.chain_status)],
        )  # fmt: skip
    if report.llm_batch is not None:
        lb = report.llm_batch
        out.rows(
            title="chat batch bought at a limit (official openai client, per 1k tokens)",
            columns=("limit/1k tokens", "ask when placed", "filled at", "waited (s)", "batch",
                     "tokens", "on chain"),
            rows=[(_gpuc(lb.limit_per_1k_tokens_wei), _gpuc(lb.ask_when_placed_wei),
                   _gpuc(lb.fill_price_wei), lb.waited_s,
                   f"{lb.status} ({len(lb.answers)} answers)", lb.tokens, lb.chain_status)],
        )  # fmt: skip
        for question, answer in zip(BATCH_QUESTIONS, lb.answers, strict=False):
            out.note(f"  {question!r} -> {answer!r}")
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
    m = report.migration
    if m is not None:
        out.rows(
            title="failover (provider killed after accepting)",
            columns=("killed", "its job", "moved to", "running elsewhere after (s)", "attempts",
                     "status", "paid to provider"),
            rows=[(m.killed_provider, m.first_job_status, m.moved_to, m.running_elsewhere_after_s,
                   m.attempts, m.status, _gpuc(m.paid_to_provider_wei))],
        )  # fmt: skip
    g = report.gas
    per_tx = g.gas_used // g.transactions if g.transactions else 0
    out.rows(
        title="gas (every transaction mined during the demo)",
        columns=("blocks", "transactions", "gas used", "gas per transaction", "demo took (s)"),
        rows=[(g.blocks, g.transactions, f"{g.gas_used:,}", f"{per_tx:,}",
               f"{report.elapsed_s:.0f}")],
    )  # fmt: skip
