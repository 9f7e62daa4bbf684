"""Each role's whole flow through the gpuc CLI (in-process), checked against the chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chain_cli_runner import GpucRun

from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

CONSUMER, PROVIDER = 1, 2
SPEC = '{"kind": "matmul", "n": 64}'


def _open(gpuc: GpucRun, net: DevNet, budget: str = "10", price: str = "1") -> str:
    opened = gpuc.json(
        "job",
        "open",
        "--provider",
        net.provider.address,
        "--budget",
        budget,
        "--price",
        price,
        "--spec",
        SPEC,
        key=CONSUMER,
    )
    return str(opened["job"])


def test_consumer_flow(gpuc: GpucRun, devnet: DevNet) -> None:
    bought = gpuc.json("credits", "buy", "50", key=CONSUMER)
    assert bought["credits_wei"] == str(50 * CREDIT)
    assert devnet.consumer.balance().credits == 50 * CREDIT

    balance = gpuc.json("credits", "balance", key=CONSUMER)
    assert balance["credits_wei"] == str(50 * CREDIT)
    assert balance["address"] == devnet.consumer.address

    job = _open(gpuc, devnet)
    status = gpuc.json("job", "status", job)
    assert status["status"] == "Open"
    assert status["budget_wei"] == str(10 * CREDIT)
    assert status["consumer"] == devnet.consumer.address
    assert devnet.protocol.job(job).status_name == "Open"

    cancelled = gpuc.json("job", "cancel", job, key=CONSUMER)
    assert cancelled["status"] == "Refunded"
    claimed = gpuc.json("credits", "claim", key=CONSUMER)
    assert claimed["claimed_wei"] == str(10 * CREDIT)

    redeemed = gpuc.json("credits", "redeem", "20", key=CONSUMER)
    assert redeemed["received_wei"] == str(20 * 10**15)
    assert devnet.consumer.balance().credits == 30 * CREDIT

    # A job left unaccepted is refunded after its accept deadline; the human output works.
    job = _open(gpuc, devnet)
    devnet.advance(3601)
    human = gpuc("job", "refund", job, key=CONSUMER)
    assert human.exit_code == 0, human.stderr
    assert "Refunded" in human.stdout
    assert devnet.consumer.balance().claimable == 10 * CREDIT


def test_provider_flow(gpuc: GpucRun, devnet: DevNet) -> None:
    gpuc.json("credits", "buy", "20", key=CONSUMER)
    gpuc.json("credits", "buy", "100", key=PROVIDER)
    staked = gpuc.json("provider", "stake", "60", key=PROVIDER)
    assert staked["staked_wei"] == str(60 * CREDIT)
    job = _open(gpuc, devnet)

    accepted = gpuc.json("provider", "accept", job, key=PROVIDER)
    assert accepted["collateral_wei"] == str(5 * CREDIT)
    receipt = gpuc.json(
        "provider", "receipt", job, "--result-hash", "0x" + "ab" * 32, "--units", "4", key=PROVIDER
    )
    assert len(bytes.fromhex(receipt["receipt_signature"][2:])) == 65
    assert devnet.protocol.job(job).status_name == "Delivered"

    devnet.advance(3600)
    gpuc.json("provider", "finalize", job, key=PROVIDER)
    status = gpuc.json("provider", "status", key=PROVIDER)
    earned = 4 * CREDIT - 4 * CREDIT * 150 // 10_000
    # Settled, not paid out: the earnings await payout and the collateral stays locked.
    assert (status["jobs_awaiting_payout"], status["earnings_awaiting_payout_wei"]) == (
        1,
        str(earned),
    )
    assert status["earnings_claimable_wei"] == "0"
    assert (status["free_wei"], status["locked_wei"]) == (str(55 * CREDIT), str(5 * CREDIT))
    assert gpuc.json("job", "status", job)["paid_out"] is False
    human = gpuc("provider", "status", key=PROVIDER)
    assert "gpuc provider payout" in human.stdout

    paid = gpuc.json("provider", "payout", key=PROVIDER)  # no ids: all of this key's
    assert (paid["paid"], paid["count"], paid["provider_pay_wei"]) == ([job], 1, str(earned))
    assert paid["consumer_refund_wei"] == str(6 * CREDIT)
    assert gpuc.json("job", "status", job)["paid_out"] is True
    status = gpuc.json("provider", "status", key=PROVIDER)
    assert status["earnings_claimable_wei"] == str(earned)
    assert (status["jobs_awaiting_payout"], status["earnings_awaiting_payout_wei"]) == (0, "0")
    assert (status["free_wei"], status["locked_wei"]) == (str(60 * CREDIT), "0")
    # Named again (by the consumer: anyone may): already paid out, skipped.
    again = gpuc.json("provider", "payout", job, key=CONSUMER)
    assert (again["paid"], again["count"]) == ([], 0)
    nothing = gpuc.json("provider", "payout", key=PROVIDER)
    assert nothing["count"] == 0 and "tx" not in nothing
    gpuc.json("credits", "claim", key=PROVIDER)

    unbond = gpuc.json("provider", "unbond", "60", key=PROVIDER)
    assert unbond["unbonding_wei"] == str(60 * CREDIT)
    devnet.advance(14 * 86_400)
    withdrawn = gpuc.json("provider", "withdraw", key=PROVIDER)
    assert withdrawn["withdrawn_wei"] == str(60 * CREDIT)
    assert devnet.provider.provider_status().credits == 100 * CREDIT + earned


def test_oracle_flow_single_and_batch(gpuc: GpucRun, devnet: DevNet, tmp_path: Path) -> None:
    oracle_keys = [7, 8, 9]
    info = gpuc.json("oracle", "info", key=oracle_keys[0])
    assert (info["threshold"], info["members"], info["you_are_member"]) == (2, 3, True)

    gpuc.json("credits", "buy", "40", key=CONSUMER)
    gpuc.json("credits", "buy", "40", key=PROVIDER)
    gpuc.json("provider", "stake", "40", key=PROVIDER)
    jobs = [_open(gpuc, devnet) for _ in range(3)]
    for job in jobs:
        gpuc.json("provider", "accept", job, key=PROVIDER)
        gpuc.json(
            "provider",
            "receipt",
            job,
            "--result-hash",
            "0x" + "cd" * 32,
            "--units",
            "5",
            key=PROVIDER,
        )

    # One job: two members sign, a third submits.
    verdict = ("--outcome", "release", "--units", "5")
    sigs = [gpuc.json("oracle", "sign", jobs[0], *verdict, key=k)["sig"] for k in oracle_keys[:2]]
    settled = gpuc.json(
        "oracle",
        "settle",
        jobs[0],
        *verdict,
        "--sig",
        sigs[1],
        "--sig",
        sigs[0],
        key=oracle_keys[2],
    )
    assert settled["settled"] == [jobs[0]]
    assert devnet.protocol.job(jobs[0]).status_name == "Settled"

    # The other two in one batch: one released, one faulted.
    batch = tmp_path / "batch.json"
    batch.write_text(
        json.dumps(
            {
                "items": [
                    {"job": jobs[1], "outcome": "release", "units": 3},
                    {"job": jobs[2], "outcome": "fault"},
                ]
            }
        )
    )
    signed = [gpuc.json("oracle", "sign-batch", str(batch), key=k) for k in oracle_keys[1:]]
    assert signed[0]["batch"] == signed[1]["batch"]
    result = gpuc.json(
        "oracle",
        "settle-batch",
        str(batch),
        "--sig",
        signed[0]["sig"],
        "--sig",
        signed[1]["sig"],
        key=oracle_keys[0],
    )
    assert result["settled"] == [jobs[1]]
    assert result["slashed"] == [jobs[2]]
    assert devnet.protocol.job(jobs[2]).status_name == "Slashed"


def test_keystore_wallet_round_trip_through_the_cli(
    gpuc: GpucRun, devnet: DevNet, tmp_path: Path
) -> None:
    keystore = tmp_path / "consumer.json"
    key = devnet.chain.accounts[CONSUMER].private_key.get_secret_value()
    env = {"GPUC_PRIVATE_KEY": key, "GPUC_KEYSTORE_PASSWORD": "pw"}
    written = gpuc.json("wallet", "import", str(keystore), env=env)
    assert written["address"] == devnet.consumer.address
    assert key[2:] not in keystore.read_text()
    only_keystore = {"GPUC_KEYSTORE_PASSWORD": "pw"}
    shown = gpuc.json("--keystore", str(keystore), "wallet", "address", env=only_keystore)
    assert shown["address"] == devnet.consumer.address
    bought = gpuc.json("credits", "buy", "1", "--keystore", str(keystore), env=only_keystore)
    assert bought["credits_wei"] == str(CREDIT)


def test_deploy_to_a_json_rpc_url_writes_a_loadable_manifest(
    gpuc: GpucRun, devnet: DevNet, tmp_path: Path
) -> None:
    members = [devnet.wallets[i].address for i in (4, 5, 6)]
    result = gpuc.json(
        "deploy",
        "--rpc",
        devnet.chain.rpc_url,
        "--deployments",
        str(tmp_path),
        "--member",
        members[0],
        "--member",
        members[1],
        "--member",
        members[2],
        "--threshold",
        "2",
        "--fee-bps",
        "200",
        key=0,
    )
    manifest = json.loads((tmp_path / "31337.json").read_text())
    assert result["manifest"] == str(tmp_path / "31337.json")
    assert manifest["contracts"]["JobEscrow"]["address"] == result["JobEscrow"]
    assert manifest["config"]["committee_members"] == members
    assert manifest["config"]["fee_bps"] == 200
    # The new deployment is usable at once through the same CLI.
    info = gpuc.json("oracle", "info", "--deployments", str(tmp_path), key=4)
    assert (info["threshold"], info["members"], info["you_are_member"]) == (2, 3, True)
    bad = gpuc("deploy", "--deployments", str(tmp_path), "--fee-bps", "5000", key=0)
    assert bad.exit_code == 2
    assert "fee_bps + burn_bps = 5050 is above 2000" in bad.stderr
