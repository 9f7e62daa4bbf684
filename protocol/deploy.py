"""Deploy and wire the whole contract set, then write the manifest.

Order: CreditSale (which creates GPUCredit), ProviderStaking, OracleCommittee, JobEscrow,
then ProviderStaking.setEscrow. Every step is preflighted, so a bad parameter raises the
contract's own error (BpsTooHigh, UnbondingTooShort, InvalidThreshold, ...) before the
step is sent. If an owner other than the deployer is configured, ownership is handed over
with Ownable2Step's transferOwnership once wiring is done (the owner must accept).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.abi import get_abi_input_types

from protocol.artifacts import CONTRACT_NAMES, load_artifact
from protocol.contracts import BoundContract
from protocol.deploy_config import DeployConfig, deploy_config_problems
from protocol.errors import DeploymentError, InvalidInput
from protocol.manifest import (
    DEFAULT_DEPLOYMENTS_DIR,
    ContractRecord,
    Manifest,
    code_hash,
    write_manifest,
)
from protocol.tx.request import deploy_request
from protocol.tx.sender import TxSender

__all__ = ["deploy", "deploy_and_write", "deploy_contract"]


def _constructor_args(name: str, args: list[Any]) -> bytes:
    abi = load_artifact(name).abi
    constructor = next((e for e in abi if e.get("type") == "constructor"), None)
    types = get_abi_input_types(constructor) if constructor else []  # type: ignore[arg-type]
    return abi_encode(types, args)


def deploy_contract(sender: TxSender, name: str, args: list[Any]) -> str:
    """Deploy one contract (preflighted: a constructor revert raises its error)."""
    request = deploy_request(load_artifact(name).bytecode, _constructor_args(name, args), name)
    mined = sender.send(request)
    if mined.contract_address is None:
        raise DeploymentError(f"deploying {name} produced no contract address ({mined.tx_hash})")
    return mined.contract_address


def deploy(sender: TxSender, config: DeployConfig | None = None) -> Manifest:
    """Deploy everything from ``sender``'s account; returns the (unwritten) manifest.

    The configuration is checked against the constructors' limits first, so a bad value
    raises InvalidInput before anything is sent.
    """
    config = config or DeployConfig()
    w3 = sender.w3
    deployer = sender.address
    treasury = config.treasury or deployer
    members = list(config.committee_members) or [deployer]
    problems = deploy_config_problems(config, len(members))
    if problems:
        raise InvalidInput("deployment config: " + "; ".join(problems))
    start_block = int(w3.eth.block_number) + 1

    sale_address = deploy_contract(
        sender,
        "CreditSale",
        [config.reserve_asset, config.reserve_per_credit, treasury, config.spread_bps, deployer],
    )
    credit_address = BoundContract(w3, "CreditSale", sale_address).read("credit")
    staking_address = deploy_contract(
        sender, "ProviderStaking", [credit_address, config.unbonding_delay, deployer]
    )
    committee_address = deploy_contract(
        sender, "OracleCommittee", [deployer, members, config.committee_threshold]
    )
    escrow_config = (
        credit_address,
        staking_address,
        committee_address,
        treasury,
        config.fee_bps,
        config.burn_bps,
        config.collateral_bps,
        config.slash_burn_bps,
        config.dispute_window,
        config.max_job_duration,
        config.effective_verdict_window,
        config.dispute_bond_bps,
        config.compensation_cap_bps,
    )
    escrow_address = deploy_contract(sender, "JobEscrow", [escrow_config])
    staking = BoundContract(w3, "ProviderStaking", staking_address)
    sender.send(staking.tx("setEscrow", escrow_address))

    owner = config.owner or deployer
    if owner != deployer:
        for name, address in (
            ("CreditSale", sale_address),
            ("ProviderStaking", staking_address),
            ("OracleCommittee", committee_address),
        ):
            sender.send(BoundContract(w3, name, address).tx("transferOwnership", owner))

    addresses = {
        "GPUCredit": credit_address,
        "CreditSale": sale_address,
        "ProviderStaking": staking_address,
        "OracleCommittee": committee_address,
        "JobEscrow": escrow_address,
    }
    return Manifest(
        chain_id=sender.chain_id,
        block=start_block,
        deployer=deployer,
        sources_hash=load_artifact("JobEscrow").sources_hash,
        contracts={
            name: ContractRecord(
                address=addresses[name],
                abi_hash=load_artifact(name).abi_hash,
                code_hash=code_hash(w3, addresses[name]),
            )
            for name in CONTRACT_NAMES
        },
        config={
            **config.model_dump(mode="json"),
            "treasury": treasury,
            "owner": owner,
            "committee_members": members,
        },
    )


def deploy_and_write(
    sender: TxSender,
    config: DeployConfig | None = None,
    directory: Path = DEFAULT_DEPLOYMENTS_DIR,
) -> tuple[Manifest, Path]:
    manifest = deploy(sender, config)
    return manifest, write_manifest(manifest, directory)
