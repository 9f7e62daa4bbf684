"""A throwaway anvil chain on 127.0.0.1, started and stopped by this process.

anvil comes from the repository's node_modules (npm @foundry-rs/anvil). It binds a free
port by default (``--port 0``; the port is read back from its log, so there is no race), runs with
a temporary HOME, and is stopped by its PID; the temporary directory goes with it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from eth_utils.address import to_checksum_address
from pydantic import BaseModel, ConfigDict, SecretStr
from web3 import Web3

from protocol.errors import LocalChainError
from protocol.rpc import connect

__all__ = ["DevAccount", "LocalChain", "find_anvil"]

REPO_ROOT = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"Listening on 127\.0\.0\.1:(\d+)")


class DevAccount(BaseModel):
    """A funded account of the dev chain (keys from anvil's public test mnemonic)."""

    model_config = ConfigDict(frozen=True)

    index: int
    address: str
    private_key: SecretStr


def find_anvil() -> Path:
    """node_modules/.bin/anvil of this checkout, else anvil on PATH."""
    local = REPO_ROOT / "node_modules" / ".bin" / "anvil"
    if local.exists():
        return local
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise LocalChainError(
        f"anvil not found at {local} nor on PATH: run `npm ci --ignore-scripts` in {REPO_ROOT}"
    )


class LocalChain:
    """An anvil process; use as a context manager so nothing is left running or on disk."""

    def __init__(
        self,
        *,
        chain_id: int = 31337,
        port: int = 0,
        accounts: int = 10,
        balance_eth: int = 10_000,
        anvil: Path | None = None,
        startup_timeout: float = 30.0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.chain_id = chain_id
        self._requested_port = port  # 0: any free port
        self._n_accounts = accounts
        self._balance_eth = balance_eth
        self._anvil = anvil
        self._startup_timeout = startup_timeout
        self._extra_args = extra_args
        self._process: subprocess.Popen[bytes] | None = None
        self._home: Path | None = None
        self._log: Any = None
        self._port: int | None = None
        self._accounts: tuple[DevAccount, ...] = ()
        self._w3: Web3 | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> LocalChain:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> LocalChain:
        if self._process is not None:
            raise LocalChainError("this LocalChain is running already; stop it first")
        anvil = self._anvil or find_anvil()
        self._home = Path(tempfile.mkdtemp(prefix="gpuc-anvil-"))
        config_out = self._home / "anvil-config.json"
        log_path = self._home / "anvil.log"
        args = [
            str(anvil),
            "--host",
            "127.0.0.1",
            "--port",
            str(self._requested_port),
            "--chain-id",
            str(self.chain_id),
            "--accounts",
            str(self._n_accounts),
            "--balance",
            str(self._balance_eth),
            "--config-out",
            str(config_out),
            "--color",
            "never",
            *self._extra_args,
        ]
        env = {"HOME": str(self._home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        self._log = log_path.open("wb")
        try:
            self._process = subprocess.Popen(
                args,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self._home,
                start_new_session=True,  # Ctrl-C in a terminal reaches us, not anvil
            )
            self._port = self._wait_for_port(log_path)
            self._w3 = connect(self.rpc_url, expect_chain_id=self.chain_id)
            self._accounts = self._read_accounts(config_out)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop anvil by its PID and remove its temporary HOME. Safe to call twice."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None
        self._w3 = None
        self._port = None

    def _wait_for_port(self, log_path: Path) -> int:
        deadline = time.monotonic() + self._startup_timeout
        assert self._process is not None
        while time.monotonic() < deadline:
            text = log_path.read_text(errors="replace")
            match = _LISTENING.search(text)
            if match:
                return int(match.group(1))
            if self._process.poll() is not None:
                raise LocalChainError(
                    f"anvil exited with code {self._process.returncode} before listening: "
                    f"{text.strip()[-500:]}"
                )
            time.sleep(0.05)
        raise LocalChainError(
            f"anvil did not listen within {self._startup_timeout:.0f} s; "
            "the machine may be overloaded, try again"
        )

    @staticmethod
    def _read_accounts(config_out: Path) -> tuple[DevAccount, ...]:
        config = json.loads(config_out.read_text())
        return tuple(
            DevAccount(index=i, address=to_checksum_address(a), private_key=SecretStr(k))
            for i, (a, k) in enumerate(
                zip(config["available_accounts"], config["private_keys"], strict=True)
            )
        )

    # ------------------------------------------------------------------ facts

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        return self._require_process().pid

    @property
    def port(self) -> int:
        if self._port is None:
            raise LocalChainError("the local chain is not running; call start() first")
        return self._port

    @property
    def rpc_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def home(self) -> Path:
        if self._home is None:
            raise LocalChainError("the local chain is not running; call start() first")
        return self._home

    @property
    def accounts(self) -> tuple[DevAccount, ...]:
        return self._accounts

    @property
    def w3(self) -> Web3:
        if self._w3 is None:
            raise LocalChainError("the local chain is not running; call start() first")
        return self._w3

    def _require_process(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise LocalChainError("the local chain is not running; call start() first")
        return self._process

    # ------------------------------------------------------------------ anvil controls

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        """Call a JSON-RPC method (anvil_*, evm_*) and return its result."""
        response = self.w3.provider.make_request(method, params or [])  # type: ignore[arg-type]
        if "error" in response:
            raise LocalChainError(f"{method} failed: {response['error']}")
        return response.get("result")

    def snapshot(self) -> str:
        return str(self.rpc("evm_snapshot"))

    def revert(self, snapshot_id: str) -> None:
        """Go back to ``snapshot_id`` (it is used up; take a new snapshot to return again)."""
        if self.rpc("evm_revert", [snapshot_id]) is not True:
            raise LocalChainError(f"evm_revert to {snapshot_id} failed: unknown snapshot id")

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    def increase_time(self, seconds: int) -> None:
        """Move the clock forward; the next block carries the new time."""
        self.rpc("evm_increaseTime", [seconds])

    def set_next_block_timestamp(self, timestamp: int) -> None:
        self.rpc("anvil_setNextBlockTimestamp", [timestamp])

    def set_balance(self, address: str, wei: int) -> None:
        self.rpc("anvil_setBalance", [address, hex(wei)])

    def reorg(self, depth: int, transactions: list[Any] | None = None) -> None:
        """anvil_reorg: replace the last ``depth`` blocks; ``transactions`` are
        [transaction request, block offset] pairs to include in the new blocks."""
        self.rpc("anvil_reorg", [depth, transactions or []])
