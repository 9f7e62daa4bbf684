"""Manifests: written at deployment, loaded by chain id, refused on any other chain."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gpuc.devnet.local_chain import LocalChain
from protocol.client import Protocol
from protocol.deploy import deploy
from protocol.deploy_config import DeployConfig
from protocol.errors import ChainUnreachable, InvalidInput, ManifestError, WrongChain
from protocol.manifest import load_manifest, load_manifest_file, manifest_path
from protocol.rpc import connect
from protocol.tx.sender import TxSender
from protocol.wallet import Wallet
from tools.devnet import DevNet

pytestmark = pytest.mark.chain


@pytest.fixture(scope="module")
def second_chain() -> Iterator[LocalChain]:
    with LocalChain(chain_id=31338, accounts=3) as chain:
        yield chain


def test_manifest_records_addresses_block_abi_hashes_and_config(devnet: DevNet) -> None:
    data = json.loads(devnet.manifest_path.read_text())
    assert devnet.manifest_path.name == "31337.json"
    assert data["chain_id"] == 31337
    assert set(data["contracts"]) == {
        "GPUCredit",
        "CreditSale",
        "ProviderStaking",
        "OracleCommittee",
        "JobEscrow",
    }
    assert all(r["abi_hash"].startswith("0x") for r in data["contracts"].values())
    assert data["block"] >= 1
    assert data["config"]["committee_threshold"] == 2
    assert len(data["config"]["committee_members"]) == 3
    # The wiring is done: staking knows the escrow, the sale mints the token.
    c = devnet.protocol.contracts
    assert c.staking.read("escrow") == c.escrow.address
    assert c.credit.read("minter") == c.sale.address
    assert int(c.escrow.read("feeBps")) == 100


def test_manifest_loads_back_by_chain_id(devnet: DevNet, deployments_dir: Path) -> None:
    loaded = load_manifest(devnet.protocol.w3, deployments_dir)
    assert loaded == devnet.manifest
    protocol = Protocol.connect(devnet.chain.rpc_url, deployments_dir=deployments_dir)
    assert protocol.contracts.escrow.address == devnet.manifest.address_of("JobEscrow")


def test_a_second_chain_rejects_the_first_chains_manifest(
    devnet: DevNet, second_chain: LocalChain, tmp_path: Path
) -> None:
    # Named for the first chain: refused by chain id.
    with pytest.raises(WrongChain, match="for chain 31337 but the RPC endpoint is chain 31338"):
        load_manifest_file(second_chain.w3, devnet.manifest_path)
    # Renamed as if it were the second chain's: its chainId field still gives it away.
    shutil.copy(devnet.manifest_path, manifest_path(tmp_path, 31338))
    with pytest.raises(WrongChain, match="is for chain 31337"):
        load_manifest(second_chain.w3, tmp_path)
    with pytest.raises(WrongChain, match="no code"):
        _with_chain_id(devnet.manifest_path, tmp_path / "forged", 31338)
        load_manifest(second_chain.w3, tmp_path / "forged")


def _with_chain_id(source: Path, directory: Path, chain_id: int) -> None:
    data = json.loads(source.read_text())
    data["chain_id"] = chain_id
    directory.mkdir()
    manifest_path(directory, chain_id).write_text(json.dumps(data))


def test_no_manifest_and_wrong_expected_chain_are_clear(
    second_chain: LocalChain, tmp_path: Path, devnet: DevNet
) -> None:
    with pytest.raises(ManifestError, match="no deployment manifest for chain 31338"):
        load_manifest(second_chain.w3, tmp_path)
    with pytest.raises(WrongChain, match="expected"):
        load_manifest(devnet.protocol.w3, devnet.manifest_path.parent, chain_id=1)
    with pytest.raises(WrongChain, match="chain 31337, expected chain 5"):
        connect(devnet.chain.rpc_url, expect_chain_id=5)


def test_malformed_manifest_is_refused(devnet: DevNet, tmp_path: Path) -> None:
    path = manifest_path(tmp_path, 31337)
    path.write_text('{"chain_id": 31337}')
    with pytest.raises(ManifestError, match="malformed"):
        load_manifest(devnet.protocol.w3, tmp_path)


def test_unreachable_rpc_fails_fast_and_clearly() -> None:
    with pytest.raises(
        ChainUnreachable, match=re.escape("cannot reach a JSON-RPC chain at http://127.0.0.1:9")
    ):
        Protocol.connect("http://127.0.0.1:9")
    with pytest.raises(InvalidInput, match="must start with http"):
        connect("127.0.0.1:8545")


def test_deploy_to_another_chain_gets_its_own_manifest(second_chain: LocalChain) -> None:
    snapshot = second_chain.snapshot()
    try:
        wallet = Wallet.from_private_key(second_chain.accounts[0].private_key.get_secret_value())
        manifest = deploy(TxSender(second_chain.w3, wallet))
        assert manifest.chain_id == 31338
        assert manifest.config["committee_members"] == [wallet.address]
        assert manifest.config["committee_threshold"] == 1
    finally:
        second_chain.revert(snapshot)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"fee_bps": 1500, "burn_bps": 600}, "fee_bps + burn_bps = 2100"),
        ({"unbonding_delay": 3600}, "unbonding_delay 3600 s must exceed"),
        ({"spread_bps": 1001}, "spread_bps 1001"),
        ({"committee_threshold": 2}, "committee_threshold 2 is not within 1..1"),
        ({"reserve_per_credit": 0}, "reserve_per_credit is 0"),
        ({"dispute_window": 0}, "dispute_window is 0"),
        ({"verdict_window": 0}, "verdict_window is 0"),
        ({"dispute_bond_bps": 0}, "dispute_bond_bps 0 is not within 1..10000"),
        ({"compensation_cap_bps": 100_001}, "compensation_cap_bps 100001 is above 100000"),
    ],
)
def test_a_bad_deploy_config_sends_nothing(
    second_chain: LocalChain, change: dict[str, int], problem: str
) -> None:
    wallet = Wallet.from_private_key(second_chain.accounts[1].private_key.get_secret_value())
    nonce = second_chain.w3.eth.get_transaction_count(wallet.address)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=re.escape(problem)):
        deploy(TxSender(second_chain.w3, wallet), DeployConfig(**change))
    assert second_chain.w3.eth.get_transaction_count(wallet.address) == nonce  # type: ignore[arg-type]
