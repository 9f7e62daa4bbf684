"""gpuc deploy: deploy and wire the contract set on any JSON-RPC chain."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from gpuc.context import cli_command, state
from gpuc.errors import UsageError
from gpuc.parsing import parse_address

BpsOpt = Annotated[int | None, typer.Option(min=0, show_default=False)]


@cli_command
def deploy(
    committee: Annotated[
        list[str] | None, typer.Option("--member", help="Committee member address; repeat.")
    ] = None,
    threshold: Annotated[
        int | None, typer.Option(min=1, help="Signatures a verdict needs.")
    ] = None,
    treasury: Annotated[
        str | None, typer.Option(help="Fee and spread recipient (default: you).")
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help="Admin; must accept ownership (default: you).")
    ] = None,
    reserve_asset: Annotated[
        str | None, typer.Option(help="ERC-20 reserve (default: ETH).")
    ] = None,
    reserve_per_credit: Annotated[
        int | None, typer.Option(min=1, help="Reserve wei per 1e18 credit wei (default 1e15).")
    ] = None,
    spread_bps: BpsOpt = None,
    fee_bps: BpsOpt = None,
    burn_bps: BpsOpt = None,
    collateral_bps: BpsOpt = None,
    slash_burn_bps: BpsOpt = None,
    dispute_window: Annotated[int | None, typer.Option(min=1, help="Seconds.")] = None,
    verdict_window: Annotated[
        int | None, typer.Option(min=1, help="Seconds from a dispute (default: dispute window).")
    ] = None,
    dispute_bond_bps: BpsOpt = None,
    compensation_cap_bps: BpsOpt = None,
    max_job_duration: Annotated[int | None, typer.Option(min=1, help="Seconds.")] = None,
    unbonding_delay: Annotated[int | None, typer.Option(min=1, help="Seconds.")] = None,
) -> None:
    """Deploy GPUCredit, CreditSale, ProviderStaking, OracleCommittee, JobEscrow; write the
    manifest <deployments>/<chainId>.json."""
    from protocol.deploy import deploy_and_write
    from protocol.deploy_config import DeployConfig
    from protocol.rpc import connect

    s = state()
    out = s.output
    given: dict[str, Any] = {
        "committee_members": tuple(parse_address(m, "--member") for m in committee or ()),
        "committee_threshold": threshold,
        "treasury": parse_address(treasury, "--treasury") if treasury else None,
        "owner": parse_address(owner, "--owner") if owner else None,
        "reserve_asset": parse_address(reserve_asset, "--reserve-asset") if reserve_asset else None,
        "reserve_per_credit": reserve_per_credit,
        "spread_bps": spread_bps,
        "fee_bps": fee_bps,
        "burn_bps": burn_bps,
        "collateral_bps": collateral_bps,
        "slash_burn_bps": slash_burn_bps,
        "dispute_window": dispute_window,
        "verdict_window": verdict_window,
        "dispute_bond_bps": dispute_bond_bps,
        "compensation_cap_bps": compensation_cap_bps,
        "max_job_duration": max_job_duration,
        "unbonding_delay": unbonding_delay,
    }
    try:
        config = DeployConfig(**{k: v for k, v in given.items() if v is not None and v != ()})
    except ValidationError as exc:
        raise UsageError(f"deployment config: {exc.errors()[0]['msg']}") from None
    settings = s.settings
    wallet = s.wallet()
    w3 = connect(settings.rpc_url, expect_chain_id=settings.chain_id)
    sender = s.sender_for(w3, wallet)
    with out.waiting("deploying contracts"):
        manifest, path = deploy_and_write(sender, config, settings.deployments_dir)
    out.result(
        {
            "chain_id": manifest.chain_id,
            "block": manifest.block,
            "manifest": str(path),
            **{name: record.address for name, record in manifest.contracts.items()},
        },
        title="deployed",
    )
