"""The transaction manager on a real anvil: persisted bytes resent after kill -9,
"nonce too low" answered by a receipt lookup, fee bumps at the same nonce,
transactions a reorg removed sent again, one writer per key."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from oracles.audit import AuditLog, read_audit
from oracles.crash import CRASH_ENV
from oracles.db import Database
from oracles.errors import WriterLockHeld
from oracles.txmanager import TxManager, TxStatus, TxStore, WriterLock
from protocol.contract_errors import NothingToClaim
from protocol.tx.request import TxRequest
from protocol.tx.sender import TxSender
from protocol.wallet import Wallet
from tools.devnet import DevNet

pytestmark = pytest.mark.chain

CHILD = Path(__file__).with_name("oracle_txm_child.py")
KEY_INDEX = 5  # a dev account no role of the devnet uses


@pytest.fixture
def key(oracle_net: DevNet) -> str:
    return oracle_net.chain.accounts[KEY_INDEX].private_key.get_secret_value()


@pytest.fixture
def manager_for(oracle_net: DevNet, key: str, tmp_path: Path) -> Iterator[tuple[TxManager, Path]]:
    log = tmp_path / "audit.log"
    audit = AuditLog("test", stream=io.StringIO(), path=log)
    sender = TxSender(oracle_net.chain.w3, Wallet.from_private_key(key))
    manager = TxManager(sender, TxStore(Database(tmp_path / "tx.db")), confirmations=1, audit=audit)
    yield manager, log
    audit.close()


def _transfer(net: DevNet) -> TxRequest:
    return TxRequest(to=net.chain.accounts[6].address, data=b"", value=1, label="transfer")


def _nonce(net: DevNet, key: str) -> int:
    address = Wallet.from_private_key(key).address
    return int(net.chain.w3.eth.get_transaction_count(address))  # type: ignore[arg-type]


def _poll_until_final(manager: TxManager, key: str, timeout: float = 20.0) -> TxStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        manager.poll()
        intent = manager.get(key)
        assert intent is not None
        if not intent.status.open:
            return intent.status
        time.sleep(0.05)
    raise AssertionError(f"{key} still open after {timeout} s")


def test_submit_is_once_per_key(
    oracle_net: DevNet, key: str, manager_for: tuple[TxManager, Path]
) -> None:
    manager, _ = manager_for
    before = _nonce(oracle_net, key)
    first = manager.submit("pay:1", _transfer(oracle_net))
    assert first.attempts[0].broadcast_at is not None
    assert _poll_until_final(manager, "pay:1") == TxStatus.CONFIRMED
    again = manager.submit("pay:1", _transfer(oracle_net))
    assert again.key == first.key and again.attempts == manager.get("pay:1").attempts  # type: ignore[union-attr]
    assert _nonce(oracle_net, key) == before + 1


def test_a_call_that_would_revert_is_refused_and_nothing_is_stored(
    oracle_net: DevNet, manager_for: tuple[TxManager, Path]
) -> None:
    manager, _ = manager_for
    claim = oracle_net.protocol.contracts.escrow.tx("claim")
    with pytest.raises(NothingToClaim):
        manager.submit("claim", claim)
    assert manager.get("claim") is None


@pytest.mark.parametrize("point", ["after_sign", "after_broadcast", "before_receipt"])
def test_killed_writer_is_followed_by_the_same_bytes(
    point: str, oracle_net: DevNet, key: str, manager_for: tuple[TxManager, Path], tmp_path: Path
) -> None:
    net = oracle_net
    manager, log = manager_for
    before = _nonce(net, key)
    child = _killed_child(net, key, tmp_path / "tx.db", point)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    stored = manager.get("transfer")
    assert stored is not None and stored.status == TxStatus.PENDING
    persisted = stored.latest.tx_hash
    if point != "after_sign":  # anvil mines right after the broadcast returns
        _wait(lambda: _nonce(net, key) == before + 1)
    assert _nonce(net, key) == before + (0 if point == "after_sign" else 1)

    manager.recover()
    assert _poll_until_final(manager, "transfer") == TxStatus.CONFIRMED
    final = manager.get("transfer")
    assert final is not None and final.mined_hash == persisted and len(final.attempts) == 1
    assert _nonce(net, key) == before + 1
    (resent,) = [e for e in read_audit(log) if e["event"] == "tx_rebroadcast"]
    expected = None if point == "after_sign" else "nonce too low"
    assert resent["node_said"] == expected and resent["tx_hash"] == persisted


def test_stuck_transaction_is_replaced_at_the_same_nonce_with_higher_fees(
    oracle_net: DevNet, key: str, manager_for: tuple[TxManager, Path]
) -> None:
    net = oracle_net
    manager, _ = manager_for
    manager.replace_after = 0.3
    before = _nonce(net, key)
    net.chain.rpc("evm_setAutomine", [False])
    try:
        first = manager.submit("stuck", _transfer(net))
        time.sleep(0.35)
        manager.poll()
        bumped = manager.get("stuck")
        assert bumped is not None and len(bumped.attempts) == 2
        old, new = bumped.attempts
        assert new.max_fee_per_gas >= old.max_fee_per_gas * 1.25
        assert new.max_priority_fee_per_gas >= old.max_priority_fee_per_gas * 1.25
        pool = net.chain.rpc("txpool_content")["pending"]
        (queued,) = pool[Wallet.from_private_key(key).address.lower()].values()
        assert queued["hash"] == new.tx_hash and int(queued["nonce"], 16) == first.nonce
        net.chain.mine()
    finally:
        net.chain.rpc("evm_setAutomine", [True])
    assert _poll_until_final(manager, "stuck") == TxStatus.CONFIRMED
    assert manager.get("stuck").mined_hash == new.tx_hash  # type: ignore[union-attr]
    assert _nonce(net, key) == before + 1


def test_transaction_removed_by_a_reorg_is_sent_again(
    oracle_net: DevNet, key: str, manager_for: tuple[TxManager, Path]
) -> None:
    net = oracle_net
    manager, _ = manager_for
    manager.confirmations = 2
    manager.rebroadcast_every = 0.0
    intent = manager.submit("reorged", _transfer(net))
    _wait(lambda: manager.poll() == [] and manager.get("reorged").status == TxStatus.MINED)  # type: ignore[union-attr]
    net.chain.reorg(1)
    assert net.chain.rpc("eth_getTransactionReceipt", [intent.latest.tx_hash]) is None
    manager.poll()  # gone: back to pending, the same bytes go out (and anvil mines them)
    net.chain.mine()
    assert _poll_until_final(manager, "reorged") == TxStatus.CONFIRMED
    assert manager.get("reorged").mined_hash == intent.latest.tx_hash  # type: ignore[union-attr]


def test_nonce_taken_by_another_transaction_drops_the_intent(
    oracle_net: DevNet, key: str, manager_for: tuple[TxManager, Path], tmp_path: Path
) -> None:
    net = oracle_net
    manager, _ = manager_for
    child = _killed_child(net, key, tmp_path / "tx.db", "after_sign")
    assert child.returncode == -signal.SIGKILL
    # Someone else sends from the same key, taking the stored nonce.
    other = TxSender(net.chain.w3, Wallet.from_private_key(key))
    other.send(_transfer(net).model_copy(update={"value": 2}))
    assert _poll_until_final(manager, "transfer") == TxStatus.DROPPED
    assert "not ours" in (manager.get("transfer").error or "")  # type: ignore[union-attr]


def test_one_writer_per_key(tmp_path: Path) -> None:
    address = "0x" + "ab" * 20
    with WriterLock(tmp_path, address), pytest.raises(WriterLockHeld, match="already sending"):
        WriterLock(tmp_path, address).acquire()
    WriterLock(tmp_path, address).acquire().release()


def _wait(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _killed_child(
    net: DevNet, key: str, db: Path, point: str
) -> subprocess.CompletedProcess[bytes]:
    """Run the child that submits one transfer and dies at ``point``."""
    env = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
    return subprocess.run(
        [
            sys.executable,
            str(CHILD),
            net.chain.rpc_url,
            key,
            str(db),
            net.chain.accounts[6].address,
        ],
        env={**env, CRASH_ENV: point},
        capture_output=True,
        timeout=60,
        check=False,
    )
