"""LocalChain: starts anvil on 127.0.0.1, controls it, and leaves nothing behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gpuc.devnet.local_chain import LocalChain
from protocol.errors import LocalChainError
from tools.devnet import DevNet

pytestmark = pytest.mark.chain


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes only once reaped; /proc tells the state.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def test_local_chain_leaves_no_process_and_no_files() -> None:
    with LocalChain(accounts=2) as chain:
        pid, home = chain.pid, chain.home
        assert _alive(pid)
        assert home.is_dir()
        assert chain.rpc_url.startswith("http://127.0.0.1:")
        assert chain.w3.eth.chain_id == 31337
        assert len(chain.accounts) == 2
        assert chain.w3.eth.get_balance(chain.accounts[0].address) == 10_000 * 10**18  # type: ignore[arg-type]
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert b"--host" in cmdline and cmdline[cmdline.index(b"--host") + 1] == b"127.0.0.1"
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert f"HOME={home}".encode() in environ
    assert not _alive(pid)
    assert not home.exists()
    chain.stop()  # twice is fine


def test_a_failed_start_cleans_up(tmp_path: Path) -> None:
    fake = tmp_path / "anvil"
    fake.write_text("#!/bin/sh\necho 'no anvil here' >&2\nexit 3\n")
    fake.chmod(0o755)
    before = set(Path("/tmp").glob("gpuc-anvil-*"))
    with pytest.raises(LocalChainError, match="exited with code 3"):
        LocalChain(anvil=fake).start()
    assert set(Path("/tmp").glob("gpuc-anvil-*")) <= before


def test_a_taken_port_is_reported(devnet: DevNet) -> None:
    with pytest.raises(LocalChainError, match="exited"):
        LocalChain(port=devnet.chain.port, startup_timeout=10).start()


def test_snapshot_revert_mine_and_time(devnet: DevNet) -> None:
    chain = devnet.chain
    w3 = chain.w3
    start_block = w3.eth.block_number
    start_time = int(w3.eth.get_block("latest")["timestamp"])
    snapshot = chain.snapshot()
    chain.mine(3)
    assert w3.eth.block_number == start_block + 3
    chain.increase_time(1000)
    chain.mine()
    assert int(w3.eth.get_block("latest")["timestamp"]) >= start_time + 1000
    chain.set_next_block_timestamp(start_time + 5000)
    chain.mine()
    assert int(w3.eth.get_block("latest")["timestamp"]) == start_time + 5000
    chain.revert(snapshot)
    assert w3.eth.block_number == start_block
    with pytest.raises(LocalChainError, match="unknown snapshot"):
        chain.revert(snapshot)


def test_reorg_replaces_recent_blocks(devnet: DevNet) -> None:
    chain = devnet.chain
    w3 = chain.w3
    chain.mine(3)
    head = w3.eth.get_block("latest")
    # A transfer in each new block: empty blocks re-mined in the same second as the
    # originals could hash the same.
    sender, receiver = (a.address for a in chain.accounts[:2])
    transfer = {"from": sender, "to": receiver, "value": hex(1)}
    chain.reorg(2, [[transfer, 0], [transfer, 1]])
    replaced = w3.eth.get_block(head["number"])
    assert w3.eth.block_number == head["number"]
    assert replaced["hash"] != head["hash"]


def test_controls_need_a_running_chain() -> None:
    chain = LocalChain()
    with pytest.raises(LocalChainError, match="not running"):
        _ = chain.rpc_url
