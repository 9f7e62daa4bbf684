"""gpuc oracle: what a committee member does by hand: sign, combine, settle.

Members do not dispute alone: k of them settle a delivered job with a verdict instead."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gpuc.batch_file import BatchFile, read_batch_file
from gpuc.context import cli_command, state
from gpuc.errors import GpucError, UsageError
from gpuc.options import JobArg, tx_fields
from gpuc.parsing import (
    parse_address,
    parse_bytes32,
    parse_job,
    parse_member_signature,
    parse_outcome,
)

if TYPE_CHECKING:  # imported where used: `gpuc oracle CMD --help` must not load web3
    from protocol.committee_signatures import MemberSignature
    from protocol.roles import OracleOperator
    from protocol.roles.oracle_operator import SettlementResult
    from protocol.typed_data import Verdict, VerdictBatch, VerdictItem
    from protocol.wallet import Wallet

app = typer.Typer(
    help="Committee: join or leave, run an oracle, sign verdicts, combine k of them, settle."
)

OutcomeOpt = Annotated[str, typer.Option(help="'release' (pay units) or 'fault' (slash).")]
UnitsOpt = Annotated[int, typer.Option(min=0, help="Units to pay on release.")]
ResultOpt = Annotated[
    str | None, typer.Option(help="Result hash (default: the one committed on chain).")
]
EpochOpt = Annotated[int | None, typer.Option(min=0, help="Committee epoch (default: current).")]
SigsOpt = Annotated[
    list[str], typer.Option("--sig", help="SIGNER:SIGNATURE from gpuc oracle sign; repeat.")
]


def _operator() -> OracleOperator:
    from protocol.roles import OracleOperator

    s = state()
    return OracleOperator(s.protocol(), s.wallet())


def _verdict(
    operator: OracleOperator,
    job: str,
    outcome: str,
    units: int,
    result: str | None,
    epoch: int | None,
) -> Verdict:
    return operator.verdict(
        parse_job(job),
        outcome=parse_outcome(outcome),
        units=units,
        result_hash=parse_bytes32(result, "--result-hash") if result else None,
        epoch=epoch,
    )


def _verdict_fields(v: Verdict) -> dict[str, Any]:
    return {
        "job": v.job_id,
        "outcome": "release" if v.outcome == 1 else "fault",
        "units": v.units,
        "result_hash": v.result_hash,
        "epoch": v.epoch,
    }


def _signature_fields(sig: MemberSignature) -> dict[str, Any]:
    return {
        "signer": sig.signer,
        "signature": sig.signature,
        "sig": f"{sig.signer}:0x{sig.signature.hex()}",
    }


def _settlement_fields(result: SettlementResult) -> dict[str, Any]:
    return {
        "settled": list(result.settled),
        "slashed": list(result.slashed),
        "skipped": list(result.skipped),
        **tx_fields(result.tx),
    }


def _optional_wallet() -> Wallet | None:
    """The configured key, or None when none is configured (reads need no key)."""
    s = state()
    if s.settings.keystore is None and not os.environ.get(s.settings.key_env):
        return None
    return s.wallet()


@app.command()
@cli_command
def info() -> None:
    """The committee: epoch, threshold k, its members and where their oracles listen (the
    matcher's list, --matcher), and whether your key (if one is configured) is a member.
    Needs no key."""
    s = state()
    out = s.output
    protocol = s.protocol()
    wallet = _optional_wallet()
    committee = protocol.contracts.committee
    from protocol.matcher_client import MatcherClient
    from protocol.oracle_endpoints import member_endpoints

    with MatcherClient(s.settings.matcher_url, chain_id=protocol.chain_id) as matcher:
        endpoints = member_endpoints(protocol, matcher)
    fields: dict[str, Any] = {
        "epoch": int(committee.read("epoch")),
        "threshold": int(committee.read("threshold")),
        "members": len(endpoints),
        "owner": str(committee.read("owner")),
        "endpoints": {m: url or "not published (gpuc oracle join)" for m, url in endpoints.items()},
    }
    if wallet is not None:
        fields["you"] = wallet.address
        fields["you_are_member"] = bool(committee.read("isMember", wallet.address))
    out.result(fields, title="oracle committee")


@app.command("add-member")
@cli_command
def add_member(
    member: Annotated[str, typer.Argument(help="The new member's address.")],
) -> None:
    """Owner side of joining: add MEMBER to the committee (the epoch moves on: verdicts
    signed under the old epoch no longer count). Then the member runs `gpuc oracle join`."""
    _membership("addMember", parse_address(member, "member"), "member added")


@app.command("remove-member")
@cli_command
def remove_member(
    member: Annotated[str, typer.Argument(help="The member's address.")],
) -> None:
    """Owner side of leaving: remove MEMBER from the committee (the epoch moves on)."""
    _membership("removeMember", parse_address(member, "member"), "member removed")


def _membership(function: str, member: str, title: str) -> None:
    s = state()
    protocol = s.protocol()
    committee = protocol.contracts.committee
    sender = protocol.sender(s.wallet())
    with s.output.waiting(f"{function} {member}"):
        mined = sender.send(committee.tx(function, member))
    s.output.result(
        {
            "member": member,
            "is_member": bool(committee.read("isMember", member)),
            "epoch": int(committee.read("epoch")),
            "members": int(committee.read("memberCount")),
            "threshold": int(committee.read("threshold")),
            **tx_fields(mined),
        },
        title=title,
    )


@app.command()
@cli_command
def join(
    url: Annotated[str, typer.Option(help="Where your oracle (gpuc oracle run) listens.")],
) -> None:
    """Member side of joining: publish where your oracle listens in the matcher's list
    (signed by your key), so providers send it receipts and peers find it. Your address must
    be a member on chain first (the owner runs `gpuc oracle add-member ADDRESS`)."""
    s = state()
    protocol = s.protocol()
    wallet = s.wallet()
    committee = protocol.contracts.committee
    if not bool(committee.read("isMember", wallet.address)):
        raise GpucError(
            f"{wallet.address} is not a committee member yet: the committee's owner "
            f"{committee.read('owner')} runs `gpuc oracle add-member {wallet.address}` first"
        )
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url {url!r} must start with http:// or https://")
    from protocol.matcher_client import MatcherClient

    with MatcherClient(s.settings.matcher_url, chain_id=protocol.chain_id, wallet=wallet) as m:
        published = m.publish_oracle_endpoint(url.rstrip("/"))
    s.output.result(
        {"member": published.address, "url": published.url, "epoch": int(committee.read("epoch"))},
        title="oracle endpoint published",
    )
    s.output.note(
        "providers re-read the list every 30 s (and when an oracle fails); peers' oracles "
        "(gpuc oracle run with --matcher) add it when they start"
    )


@app.command()
@cli_command
def leave() -> None:
    """Member side of leaving: withdraw your endpoint from the matcher's list. The owner
    removes the address from the committee with `gpuc oracle remove-member ADDRESS`."""
    s = state()
    protocol = s.protocol()
    wallet = s.wallet()
    from protocol.matcher_client import MatcherClient

    with MatcherClient(s.settings.matcher_url, chain_id=protocol.chain_id, wallet=wallet) as m:
        m.withdraw_oracle_endpoint()
    member = bool(protocol.contracts.committee.read("isMember", wallet.address))
    s.output.result({"member": wallet.address, "still_member_on_chain": member}, title="left")
    if member:
        s.output.note(f"the owner finishes it: gpuc oracle remove-member {wallet.address}")


@app.command()
@cli_command
def sign(
    job: JobArg,
    outcome: OutcomeOpt,
    units: UnitsOpt = 0,
    result_hash: ResultOpt = None,
    epoch: EpochOpt = None,
) -> None:
    """Sign an EIP-712 verdict for one job (nothing is sent)."""
    out = state().output
    operator = _operator()
    verdict = _verdict(operator, job, outcome, units, result_hash, epoch)
    out.result(
        {**_verdict_fields(verdict), **_signature_fields(operator.sign_verdict(verdict))},
        title="verdict signed",
    )


@app.command()
@cli_command
def settle(
    job: JobArg,
    outcome: OutcomeOpt,
    sigs: SigsOpt,
    units: UnitsOpt = 0,
    result_hash: ResultOpt = None,
    epoch: EpochOpt = None,
) -> None:
    """Combine k members' signatures over the verdict and settle the job."""
    out = state().output
    signatures = [parse_member_signature(s) for s in sigs]
    operator = _operator()
    verdict = _verdict(operator, job, outcome, units, result_hash, epoch)
    combined = operator.combine_verdict(verdict, signatures)
    with out.waiting("settling"):
        result = operator.settle(verdict.job_id, verdict, combined)
    out.result({**_verdict_fields(verdict), **_settlement_fields(result)}, title="job settled")


def _resolve_batch(operator: OracleOperator, spec: BatchFile) -> VerdictBatch:
    items = []
    for item in spec.items:
        v = _verdict(
            operator, item.job, str(item.outcome), item.units, item.result_hash, spec.epoch
        )
        items.append(v.item())
    return operator.batch(items, epoch=spec.epoch)


def _batch_fields(batch: VerdictBatch) -> dict[str, Any]:
    return {
        "epoch": batch.epoch,
        "items": [
            {
                "job": i.job_id,
                "outcome": "release" if i.outcome == 1 else "fault",
                "units": i.units,
                "result_hash": i.result_hash,
            }
            for i in batch.items
        ],
    }


BatchArg = Annotated[
    Path, typer.Argument(help="Batch JSON: {epoch?, items: [{job, outcome, units, result_hash?}]}")
]


@app.command("sign-batch")
@cli_command
def sign_batch(file: BatchArg) -> None:
    """Sign a VerdictBatch over many jobs (prints the resolved batch to settle verbatim)."""
    out = state().output
    spec = read_batch_file(file)
    operator = _operator()
    batch = _resolve_batch(operator, spec)
    out.result(
        {"batch": _batch_fields(batch), **_signature_fields(operator.sign_batch(batch))},
        title="batch signed",
    )


@app.command("settle-batch")
@cli_command
def settle_batch(file: BatchArg, sigs: SigsOpt) -> None:
    """Settle every job of a batch with k members' signatures over it."""
    out = state().output
    spec = read_batch_file(file)
    signatures = [parse_member_signature(s) for s in sigs]
    operator = _operator()
    batch = _resolve_batch(operator, spec)
    combined = operator.combine_batch(batch, signatures)
    entries: list[tuple[bytes, VerdictItem]] = [(i.job_id, i) for i in batch.items]
    with out.waiting(f"settling {len(entries)} jobs"):
        result = operator.settle_batch(entries, batch.epoch, combined)
    out.result(_settlement_fields(result), title="batch settled")


@app.command("slash-non-delivery")
@cli_command
def slash_non_delivery(job: JobArg) -> None:
    """Slash a provider that accepted but delivered nothing by the deadline (+ grace)."""
    out = state().output
    job_id = parse_job(job)
    operator = _operator()
    with out.waiting("slashing"):
        result = operator.slash_non_delivery(job_id)
    out.result({"job": job_id, **_settlement_fields(result)}, title="provider slashed")


# Shared flags that, when given, override the oracle config file (config field: setting).
_RUN_OVERRIDES = {
    "rpc_url": "rpc_url",
    "chain_id": "chain_id",
    "manifest": "manifest",
    "deployments_dir": "deployments_dir",
    "keystore": "keystore",
}
OracleConfigArg = Annotated[
    Path, typer.Argument(help="Oracle config TOML: peers, key, database, port (oracles.config).")
]


@app.command()
@cli_command
def run(config_file: OracleConfigArg) -> None:
    """Run this member's oracle service until Ctrl-C: watch, verify, sign, settle.

    With --matcher (or GPUC_MATCHER_URL, or matcher_url in the config) the members'
    published endpoints (`gpuc oracle join`) are peers too, besides the config's
    [[peers]]: read at start, again every peer_refresh_s seconds (default 30) and soon
    after a peer does not answer, so a member that joins later is found.

    Logs one JSON line per decision on stderr (the audit trail); serves /receipts,
    /signatures, /health and /metrics on 127.0.0.1.
    """
    from oracles.config import load_oracle_config
    from oracles.errors import OracleConfigError, OracleError
    from oracles.service import OracleService
    from protocol.client import Protocol, TxOptions
    from protocol.wallet import Wallet

    s = state()
    try:
        overrides = {field: s.given(flag) for field, flag in _RUN_OVERRIDES.items()}
        # Peers from the members' published endpoints too, besides [[peers]].
        overrides["matcher_url"] = s.given("matcher_url") or os.environ.get("GPUC_MATCHER_URL")
        config = load_oracle_config(config_file, **overrides)
        if config.keystore is not None:
            wallet = Wallet.from_keystore(config.keystore, password_env=config.password_env)
        else:
            wallet = Wallet.from_env(config.key_env)
        protocol = Protocol.connect(
            config.rpc_url,
            deployments_dir=config.deployments_dir,
            manifest_file=config.manifest,
            chain_id=config.chain_id,
            options=TxOptions(confirmations=config.tx_confirmations),
        )
        OracleService(config, protocol, wallet).run()
    except OracleConfigError as exc:
        raise UsageError(str(exc)) from None
    except OracleError as exc:
        raise GpucError(str(exc)) from None
