"""`gpuc chain up` as a real process through the console script: it brings up anvil with
the contracts deployed, serves other gpuc processes, and on Ctrl-C stops cleanly."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.chain

GPUC = Path(sys.executable).with_name("gpuc")


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            return proc.stdout.readline()
        if proc.poll() is not None:
            break
    raise AssertionError(f"gpuc chain up printed nothing in {timeout} s")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "State:\tZ" in status.read_text()


def _gpuc(*args: str, env: dict[str, str]) -> Any:
    done = subprocess.run(
        [str(GPUC), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_chain_up_serves_the_cli_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    assert GPUC.exists(), "the gpuc console script is not installed: pip install -e ."
    deployments = tmp_path / "deployments"
    proc = subprocess.Popen(
        [
            str(GPUC),
            "chain",
            "up",
            "--json",
            "--deployments",
            str(deployments),
            "--chain-id",
            "31339",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        info = json.loads(_read_line(proc, timeout=60))
        assert info["chain_id"] == 31339
        manifest = Path(info["manifest"])
        if not manifest.is_absolute():
            manifest = tmp_path / manifest
        assert manifest.exists()
        assert set(info["contracts"]) >= {"GPUCredit", "JobEscrow"}
        consumer = info["accounts"][1]
        assert consumer["role"] == "consumer"

        env = {
            "GPUC_RPC_URL": info["rpc_url"],
            "GPUC_DEPLOYMENTS_DIR": str(deployments),
            "GPUC_PRIVATE_KEY": consumer["private_key"],
        }
        bought = _gpuc("credits", "buy", "5", env=env)
        assert bought["credits_wei"] == str(5 * 10**18)
        balance = _gpuc("credits", "balance", env=env)
        assert balance["credits_wei"] == str(5 * 10**18)
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    assert code == 0, proc.stderr.read() if proc.stderr else ""
    assert _gone(info["pid"]), "anvil is still running"
    assert not manifest.exists(), "the manifest of the stopped chain was left behind"
