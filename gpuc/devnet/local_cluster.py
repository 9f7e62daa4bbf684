"""A committee of oracle processes on this machine, for tests, benchmarks and demos.

Each member gets a keystore, a config TOML, a database and a log file in its own
folder, and runs as ``python -m gpuc.cli oracle run <config>`` (the real CLI) on
a free 127.0.0.1 port. Processes are stopped (or killed) by their PID only.

    with LocalOracleCluster(rpc_url, manifest, keys, tmp_path) as cluster:
        cluster.start_all()
        cluster.wait_healthy()
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import httpx

from oracles.audit import read_audit
from oracles.config import OracleConfig
from oracles.crash import CRASH_ENV
from oracles.errors import OracleError
from protocol.wallet import Wallet
from protocol.wire.health import HEALTH_PATH

__all__ = ["LocalOracle", "LocalOracleCluster", "free_port"]

_PASSWORD = "gpuc-local-oracle"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        inner = ", ".join(f'"{k}" = {_toml_value(v)}' for k, v in value.items())
        return "{" + inner + "}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml(data: Mapping[str, Any], tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    lines = [f"{key} = {_toml_value(value)}" for key, value in data.items()]
    for name, rows in tables.items():
        for row in rows:
            lines += ["", f"[[{name}]]", *(f"{k} = {_toml_value(v)}" for k, v in row.items())]
    return "\n".join(lines) + "\n"


class LocalOracle:
    """One member's folder and process."""

    def __init__(self, index: int, wallet: Wallet, home: Path, port: int) -> None:
        self.index = index
        self.wallet = wallet
        self.address = wallet.address
        self.home = home
        self.port = port
        self.config_path = home / "oracle.toml"
        self.db_path = home / "oracle.db"
        self.log_path = home / "oracle.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def audit(self) -> list[dict[str, Any]]:
        """Every audit line this member has written, over all its runs."""
        return read_audit(self.log_path) if self.log_path.exists() else []


class LocalOracleCluster:
    def __init__(
        self,
        rpc_url: str,
        manifest: Path,
        member_keys: Sequence[str],
        base_dir: Path,
        *,
        settings: Mapping[str, Any] | None = None,
        python: str = sys.executable,
        static_peers: bool = True,
    ) -> None:
        """``static_peers=False`` writes no [[peers]]: the members then find each other
        only through the matcher's list (a ``matcher_url`` in ``settings``)."""
        self.rpc_url = rpc_url
        self.static_peers = static_peers
        self.manifest = manifest
        self.base_dir = base_dir
        self.settings = dict(settings or {})
        self.python = python
        self.oracles = [
            LocalOracle(i, Wallet.from_private_key(key), base_dir / f"oracle-{i}", free_port())
            for i, key in enumerate(member_keys)
        ]
        for oracle in self.oracles:
            self._write(oracle)

    def __enter__(self) -> LocalOracleCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_all()

    def __getitem__(self, index: int) -> LocalOracle:
        return self.oracles[index]

    def by_address(self, address: str) -> LocalOracle:
        return next(o for o in self.oracles if o.address.lower() == address.lower())

    @property
    def urls(self) -> list[str]:
        return [o.url for o in self.oracles]

    def _write(self, oracle: LocalOracle) -> None:
        oracle.home.mkdir(parents=True, exist_ok=True)
        keystore = oracle.home / "key.json"
        if not keystore.exists():
            # pbkdf2 with few rounds: these are anvil's public dev keys, and a start must be quick.
            oracle.wallet.to_keystore(keystore, _PASSWORD, kdf="pbkdf2", iterations=1024)
        data = {
            "rpc_url": self.rpc_url,
            "manifest": str(self.manifest),
            "keystore": str(keystore),
            "db_path": str(oracle.db_path),
            "listen_port": oracle.port,
            **self.settings,
        }
        peers = [
            {"address": p.address, "url": p.url}
            for p in self.oracles
            if p is not oracle and self.static_peers
        ]
        # What the member will load, checked here (a bad ``settings`` key fails at once,
        # naming it, not in a child process's log).
        OracleConfig.model_validate({**data, "peers": peers})
        oracle.config_path.write_text(_toml(data, {"peers": peers}))

    # ------------------------------------------------------------------ processes

    def start(self, index: int, env: Mapping[str, str] | None = None) -> LocalOracle:
        oracle = self.oracles[index]
        if oracle.process is not None and oracle.process.poll() is None:
            raise OracleError(f"oracle {index} is running already (pid {oracle.process.pid})")
        # A crash point is set only by the caller's ``env``, never inherited.
        inherited = {k: v for k, v in os.environ.items() if k != CRASH_ENV}
        full_env = {**inherited, "GPUC_KEYSTORE_PASSWORD": _PASSWORD, **(env or {})}
        oracle._log = oracle.log_path.open("ab")
        oracle.process = subprocess.Popen(
            [self.python, "-m", "gpuc.cli", "oracle", "run", str(oracle.config_path)],
            stdout=oracle._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=full_env,
            cwd=oracle.home,
            start_new_session=True,
        )
        return oracle

    def start_all(self, indices: Sequence[int] | None = None) -> None:
        for index in range(len(self.oracles)) if indices is None else indices:
            self.start(index)

    def wait_healthy(self, indices: Sequence[int] | None = None, timeout: float = 60.0) -> None:
        """Until every listed (default: every started) member answers /health with 200."""
        if indices is None:
            chosen = [o for o in self.oracles if o.process is not None]
        else:
            chosen = [self.oracles[i] for i in indices]
        deadline = time.monotonic() + timeout
        for oracle in chosen:
            while True:
                if oracle.process is not None and oracle.process.poll() is not None:
                    raise OracleError(
                        f"oracle {oracle.index} exited with {oracle.process.returncode}: "
                        f"{_tail(oracle.log_path)}"
                    )
                try:
                    if httpx.get(f"{oracle.url}{HEALTH_PATH}", timeout=1.0).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise OracleError(
                        f"oracle {oracle.index} not healthy within {timeout:g} s: "
                        f"{_tail(oracle.log_path)}"
                    )
                time.sleep(0.1)

    def wait_exit(self, index: int, timeout: float = 30.0) -> int:
        oracle = self.oracles[index]
        if oracle.process is None:
            raise OracleError(f"oracle {index} was never started")
        try:
            code = oracle.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise OracleError(f"oracle {index} still running after {timeout:g} s") from None
        self._close_log(oracle)
        return code

    def stop(self, index: int, *, kill: bool = False) -> None:
        """SIGTERM (or SIGKILL) this member's process by its PID and wait for it."""
        oracle = self.oracles[index]
        process = oracle.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
        self._close_log(oracle)

    def stop_all(self) -> None:
        for index in range(len(self.oracles)):
            self.stop(index)

    @staticmethod
    def _close_log(oracle: LocalOracle) -> None:
        if oracle._log is not None:
            oracle._log.close()
            oracle._log = None


def _tail(path: Path, lines: int = 8) -> str:
    if not path.exists():
        return "(no log)"
    return " | ".join(path.read_text(errors="replace").splitlines()[-lines:])
