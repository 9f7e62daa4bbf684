"""gpuc provider: stake, unbond, withdraw, status, and the job steps a provider takes
(accept, receipt, finalize, payout)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gpuc.context import cli_command, state
from gpuc.errors import UsageError
from gpuc.job_action import run_job_action
from gpuc.options import NEGATIVE_OK, JobArg, amount, tx_fields
from gpuc.parsing import parse_address, parse_amount, parse_bytes32, parse_job

if TYPE_CHECKING:  # imported where used: `gpuc provider CMD --help` must not load web3
    from protocol.roles import Provider

app = typer.Typer(help="Stake GPUC, accept jobs, commit receipts, get paid.")


def _provider() -> Provider:
    from protocol.roles import Provider

    s = state()
    return Provider(s.protocol(), s.wallet())


@app.command(context_settings=NEGATIVE_OK)
@cli_command
def stake(
    amount_text: Annotated[str, typer.Argument(metavar="AMOUNT", help="GPUC to stake.")],
) -> None:
    """Stake GPUC as collateral for jobs (signed permit, one transaction)."""
    out = state().output
    wei = parse_amount(amount_text, "stake amount")
    provider = _provider()
    with out.waiting("staking"):
        mined = provider.stake(wei)
    out.result({**amount("staked", wei), **tx_fields(mined)}, title="staked")


@app.command(context_settings=NEGATIVE_OK)
@cli_command
def unbond(
    amount_text: Annotated[str, typer.Argument(metavar="AMOUNT", help="GPUC to unbond.")],
) -> None:
    """Start unbonding free stake; withdraw it once the delay has passed."""
    out = state().output
    wei = parse_amount(amount_text, "unbond amount")
    provider = _provider()
    with out.waiting("requesting unbond"):
        mined = provider.request_unbond(wei)
    status = provider.provider_status()
    out.result(
        {
            **amount("unbonding", status.unbonding),
            "ready_at": _when(status.unbonding_ready_at),
            **tx_fields(mined),
        },
        title="unbond requested",
    )


@app.command()
@cli_command
def withdraw() -> None:
    """Withdraw matured unbonding stake."""
    out = state().output
    provider = _provider()
    with out.waiting("withdrawing"):
        withdrawn, mined = provider.withdraw()
    out.result({**amount("withdrawn", withdrawn), **tx_fields(mined)}, title="withdrawn")


@app.command()
@cli_command
def status(
    address: Annotated[str | None, typer.Argument(help="Provider (default: your key's).")] = None,
) -> None:
    """Free, locked and unbonding stake, earnings settled but not yet paid out, and earnings
    not yet claimed."""
    out = state().output
    s = state()
    who = parse_address(address, "provider") if address else s.wallet().address
    protocol = s.protocol()
    st = protocol.provider_status(who)
    awaiting = protocol.awaiting_payout(who)
    out.result(
        {
            "address": st.address,
            **amount("free", st.free),
            **amount("locked", st.locked),
            **amount("unbonding", st.unbonding),
            "unbonding_ready_at": _when(st.unbonding_ready_at),
            "jobs_awaiting_payout": len(awaiting.jobs),
            **amount("earnings_awaiting_payout", awaiting.provider_pay),
            **amount("earnings_claimable", st.claimable),
            **amount("wallet", st.credits),
        },
        title="provider",
    )
    if awaiting.jobs:
        out.note("credit the settled jobs' earnings with: gpuc provider payout")


@app.command()
@cli_command
def accept(job: JobArg) -> None:
    """Accept a job that names you; its collateral is locked from your free stake."""
    out = state().output
    job_id = parse_job(job)
    provider = _provider()
    with out.waiting("accepting"):
        accepted = provider.accept(job_id)
    out.result(
        {
            "job": accepted.job_id,
            **amount("collateral", accepted.collateral),
            **tx_fields(accepted.tx),
        },
        title="job accepted",
    )


@app.command()
@cli_command
def receipt(
    job: JobArg,
    result_hash: Annotated[str, typer.Option(help="keccak256 of the result bytes (0x + 64 hex).")],
    units: Annotated[int, typer.Option(min=1, help="Units of work delivered.")],
) -> None:
    """Sign the EIP-712 receipt and commit the result on chain (starts the dispute window)."""
    out = state().output
    job_id = parse_job(job)
    result = parse_bytes32(result_hash, "--result-hash")
    provider = _provider()
    with out.waiting("submitting receipt"):
        submitted = provider.submit_receipt(job_id, result_hash=result, units=units)
    out.result(
        {
            "job": job_id,
            "units": units,
            "result_hash": result,
            "receipt_signature": submitted.signed.signature,
            **tx_fields(submitted.tx),
        },
        title="receipt submitted",
    )


@app.command()
@cli_command
def finalize(job: JobArg) -> None:
    """Get paid for an undisputed job once its dispute window has passed."""
    run_job_action(job, _provider, lambda p, j: p.finalize(j), "finalizing", "job finalized")


@app.command()
@cli_command
def payout(
    jobs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[JOB]...",
            help="Settled job ids (default: all of your key's jobs awaiting payout).",
        ),
    ] = None,
) -> None:
    """Credit settled jobs' money in one transaction (anyone may, for any job): the pay
    and the consumers' refunds become claimable and the collateral unlocks."""
    out = state().output
    job_ids = [parse_job(j) for j in jobs or []]  # bad input fails before any connection
    provider = _provider()
    if not job_ids:
        job_ids = list(provider.awaiting_payout().jobs)
    if not job_ids:
        out.result({"paid": [], "count": 0}, title="nothing awaits payout")
        return
    with out.waiting("paying out"):
        result = provider.pay_out(job_ids)
    out.result(
        {
            "paid": list(result.paid),
            "count": result.count,
            **amount("provider_pay", result.provider_pay),
            **amount("consumer_refund", result.consumer_refund),
            **tx_fields(result.tx),
        },
        title="paid out",
    )
    out.note("pull it with: gpuc credits claim")


def _when(timestamp: int) -> str:
    if timestamp == 0:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@app.command()
@cli_command
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the config (TOML).")] = Path(
        "provider.toml"
    ),
    oracle: Annotated[
        list[str] | None,
        typer.Option("--oracle", help="An oracle's URL (repeat); default: the matcher's list."),
    ] = None,
    matmul_price: Annotated[str, typer.Option(help="GPUC per GFLOP of matmul.")] = "0.01",
    embeddings_price: Annotated[
        str | None, typer.Option(help="GPUC per embedded input; 'none': do not sell embeddings.")
    ] = "0.001",
    stake: Annotated[str | None, typer.Option(help="GPUC to keep staked (from credits).")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a valid, commented provider agent config (every setting explained), from
    --rpc, --manifest and --matcher (or GPUC_RPC_URL, GPUC_MANIFEST, GPUC_MATCHER_URL);
    then `gpuc provider run PATH`."""
    from provider.agent_config import load_agent_config
    from provider.agent_config_template import render_agent_config

    s = state()
    if path.exists() and not force:
        raise UsageError(f"{path} exists: pass --force to overwrite it, or name another file")
    settings = s.settings
    manifest = settings.manifest
    if manifest is None:
        manifest = settings.deployments_dir / f"{s.protocol().chain_id}.json"
    urls = list(oracle or []) or _listed_oracles(settings.matcher_url)
    if not urls:
        raise UsageError(
            "no oracle URL: pass --oracle URL (repeat for each), or point --matcher at a "
            "matcher whose /api/oracles lists the committee's endpoints"
        )
    sells_embeddings = embeddings_price is not None and embeddings_price.lower() != "none"
    text = render_agent_config(
        rpc_url=settings.rpc_url,
        manifest=str(Path(manifest).resolve()),
        matcher_url=settings.matcher_url,
        oracle_urls=urls,
        matmul_price_wei=parse_amount(matmul_price, "--matmul-price"),
        embeddings_price_wei=(
            parse_amount(str(embeddings_price), "--embeddings-price") if sells_embeddings else None
        ),
        stake_wei=0 if stake is None else parse_amount(stake, "--stake"),
    )
    path.write_text(text, encoding="utf-8")
    config = load_agent_config(path)  # what we wrote must load
    s.output.result(
        {
            "config": str(path),
            "manifest": str(config.manifest),
            "matcher": config.matcher_url,
            "oracles": list(config.oracle_urls),
            "offers": [o.resource for o in config.offers],
        },
        title="provider config written",
    )
    s.output.note(f"edit it if you like, then: gpuc provider run {path}")


def _listed_oracles(matcher_url: str) -> list[str]:
    import httpx

    from protocol.matcher_client import MatcherClientError
    from protocol.oracle_endpoints import listed_endpoints

    try:
        with httpx.Client(timeout=5.0) as http:
            return [r.url for r in listed_endpoints(http, matcher_url)]
    except MatcherClientError:  # no list here: the caller asks for --oracle
        return []
