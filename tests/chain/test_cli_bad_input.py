"""Bad input through the CLI: one clear line naming the problem (and the fix), a non-zero
exit code, and no transaction sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chain_cli_runner import GpucRun

from protocol.wallet import Wallet
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

CONSUMER, PROVIDER = 1, 2
UNKNOWN_JOB = "0x" + "ab" * 32
SPEC = '{"kind": "matmul", "n": 8}'


def _open_args(net: DevNet, budget: str) -> list[str]:
    return [
        "job",
        "open",
        "--provider",
        net.provider.address,
        "--budget",
        budget,
        "--price",
        "1",
        "--spec",
        SPEC,
    ]


CASES: list[tuple[str, list[str], int, str]] = [
    ("bad address", ["credits", "balance", "0x12"], 2, "is not an address"),
    ("negative amount", ["credits", "buy", "-5"], 2, "must be greater than zero"),
    ("zero amount", ["provider", "stake", "0"], 2, "must be greater than zero"),
    ("not a number", ["credits", "buy", "ten"], 2, "is not a number"),
    ("dust", ["credits", "buy", "0.0000000000000000001"], 2, "more than 18 decimal places"),
    ("exponent notation", ["credits", "buy", "1e3"], 2, "exponent notation"),
    (
        "wrong checksum",
        ["credits", "balance", "0x70997970c51812dc3A010C7d01b50e0d17dc79C8"],
        2,
        "wrong EIP-55 checksum",
    ),
    ("malformed job id", ["job", "status", "0x1234"], 2, "is not 0x followed by 64 hex digits"),
    ("unknown job id", ["job", "status", UNKNOWN_JOB], 4, "UnknownJob"),
    ("unknown job to cancel", ["job", "cancel", UNKNOWN_JOB], 4, "check the job id"),
    ("nothing to claim", ["credits", "claim"], 4, "NothingToClaim"),
    (
        "malformed job to pay out",
        ["provider", "payout", UNKNOWN_JOB, "0x12"],
        2,
        "is not 0x followed by 64 hex digits",
    ),
    ("unknown job to pay out", ["provider", "payout", UNKNOWN_JOB], 4, "UnknownJob"),
    ("wrong chain id", ["--chain-id", "1", "credits", "balance"], 3, "expected"),
    (
        "bad spec",
        [
            "job",
            "open",
            "--provider",
            "0x" + "11" * 20,
            "--budget",
            "1",
            "--price",
            "1",
            "--spec",
            "{nope",
        ],
        2,
        "not valid JSON",
    ),
    ("bad outcome", ["oracle", "sign", UNKNOWN_JOB, "--outcome", "maybe"], 2, "neither"),
]


def _assert_one_line(result_stdout: str, result_stderr: str, fragment: str) -> None:
    lines = [line for line in result_stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result_stderr
    assert lines[0].startswith("error: ")
    assert fragment in lines[0]
    assert result_stdout == ""


@pytest.mark.parametrize(
    ("args", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_one_line_and_sends_nothing(
    gpuc: GpucRun, devnet: DevNet, args: list[str], code: int, fragment: str
) -> None:
    w3 = devnet.protocol.w3
    nonce = devnet.protocol.transaction_count(devnet.consumer.address)
    block = w3.eth.block_number
    result = gpuc(*args, key=CONSUMER)
    assert result.exit_code == code, result.stdout + result.stderr
    _assert_one_line(result.stdout, result.stderr, fragment)
    assert devnet.protocol.transaction_count(devnet.consumer.address) == nonce
    assert w3.eth.block_number == block


def test_too_little_balance_names_the_fix(gpuc: GpucRun, devnet: DevNet) -> None:
    block = devnet.protocol.w3.eth.block_number
    result = gpuc(*_open_args(devnet, "1000"), key=CONSUMER)
    assert result.exit_code == 4
    _assert_one_line(result.stdout, result.stderr, "ERC20InsufficientBalance")
    assert "fix: buy credits first: gpuc credits buy AMOUNT" in result.stderr
    assert devnet.protocol.w3.eth.block_number == block


def test_too_little_stake_the_wrong_key_and_an_unsettled_payout_are_refused(
    gpuc: GpucRun, devnet: DevNet
) -> None:
    devnet.fund(devnet.consumer, 10 * CREDIT)
    job = gpuc.json(*_open_args(devnet, "10"), key=CONSUMER)["job"]
    block = devnet.protocol.w3.eth.block_number
    result = gpuc("provider", "accept", job, key=PROVIDER)
    assert result.exit_code == 4
    _assert_one_line(result.stdout, result.stderr, "InsufficientStake")
    result = gpuc("job", "cancel", job, key=PROVIDER)
    assert result.exit_code == 4
    _assert_one_line(result.stdout, result.stderr, "NotConsumer")
    result = gpuc("provider", "payout", job, key=PROVIDER)
    assert result.exit_code == 4
    _assert_one_line(result.stdout, result.stderr, "NotSettled")
    assert "status=Open" in result.stderr
    assert "fix: pay out only jobs settled as a release" in result.stderr
    assert devnet.protocol.w3.eth.block_number == block


def test_too_little_eth_is_refused(gpuc: GpucRun, devnet: DevNet) -> None:
    result = gpuc("credits", "buy", "100000000", key=CONSUMER)  # 100,000 ETH
    assert result.exit_code == 4
    _assert_one_line(result.stdout, result.stderr, "does not cover value plus gas")


def test_json_mode_reports_the_error_as_json(gpuc: GpucRun) -> None:
    result = gpuc("job", "status", UNKNOWN_JOB, "--json", key=CONSUMER)
    assert result.exit_code == 4
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "UnknownJob"
    assert error["values"] == {"job_id": UNKNOWN_JOB}
    assert error["fix"].startswith("check the job id")


def test_unreachable_rpc(gpuc: GpucRun) -> None:
    result = gpuc("credits", "balance", "--rpc", "http://127.0.0.1:9", key=CONSUMER)
    assert result.exit_code == 3
    _assert_one_line(result.stdout, result.stderr, "cannot reach a JSON-RPC chain")


def test_manifest_for_another_chain(gpuc: GpucRun, devnet: DevNet, tmp_path: Path) -> None:
    other = json.loads(devnet.manifest_path.read_text())
    other["chain_id"] = 31338
    path = tmp_path / "31338.json"
    path.write_text(json.dumps(other))
    result = gpuc("credits", "balance", "--manifest", str(path), key=CONSUMER)
    assert result.exit_code == 3
    _assert_one_line(
        result.stdout, result.stderr, "is for chain 31338 but the RPC endpoint is chain 31337"
    )
    result = gpuc("credits", "balance", "--deployments", str(tmp_path), key=CONSUMER)
    assert result.exit_code == 3
    _assert_one_line(result.stdout, result.stderr, "no deployment manifest for chain 31337")


def test_missing_key_and_wrong_keystore_password(gpuc: GpucRun, tmp_path: Path) -> None:
    result = gpuc("credits", "buy", "1")
    assert result.exit_code == 2
    _assert_one_line(result.stdout, result.stderr, "no private key: set GPUC_PRIVATE_KEY")
    keystore = Wallet.from_private_key("0x" + "22" * 32).to_keystore(
        tmp_path / "k.json", "right", kdf="pbkdf2", iterations=1000
    )
    result = gpuc(
        "credits", "buy", "1", "--keystore", str(keystore), env={"GPUC_KEYSTORE_PASSWORD": "wrong"}
    )
    assert result.exit_code == 2
    _assert_one_line(result.stdout, result.stderr, "wrong password for keystore")


def test_settings_come_from_flags_env_and_config_file(
    gpuc: GpucRun, devnet: DevNet, tmp_path: Path
) -> None:
    config = tmp_path / "gpuc.toml"
    config.write_text(f'rpc_url = "{devnet.chain.rpc_url}"\nchain_id = 1\n')
    # The file's chain id is wrong; the env var overrides it, and a flag overrides both.
    result = gpuc("credits", "balance", devnet.consumer.address, "--config", str(config))
    assert result.exit_code == 3 and "expected chain 1" in result.stderr
    assert (
        gpuc(
            "credits",
            "balance",
            devnet.consumer.address,
            "--config",
            str(config),
            env={"GPUC_CHAIN_ID": "31337"},
        ).exit_code
        == 0
    )
    assert (
        gpuc(
            "--chain-id",
            "31337",
            "credits",
            "balance",
            devnet.consumer.address,
            "--config",
            str(config),
        ).exit_code
        == 0
    )
    missing = gpuc("credits", "balance", "--config", str(tmp_path / "nope.toml"))
    assert missing.exit_code == 2
    _assert_one_line(missing.stdout, missing.stderr, "config file")
    config.write_text("confirmations = 0\n")
    invalid = gpuc("credits", "balance", devnet.consumer.address, "--config", str(config))
    assert invalid.exit_code == 2
    _assert_one_line(invalid.stdout, invalid.stderr, "setting 'confirmations'")
