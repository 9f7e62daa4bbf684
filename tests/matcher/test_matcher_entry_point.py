"""`gpuc matcher run` is the matcher's one entry point and takes its settings like every
service: here GPUC_MATCHER_DATABASE_URL, which it used to ignore silently."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_database_url_variable_is_honoured(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "GPUC_MATCHER_DATABASE_URL": f"sqlite:///{tmp_path / 'from-env.db'}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gpuc.cli", "matcher", "run", "--no-chain", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/api/market", timeout=2).is_success
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
                assert time.monotonic() < deadline, "the matcher did not start"
                time.sleep(0.2)
        assert (tmp_path / "from-env.db").is_file()
        assert not (tmp_path / "gpuc-matcher.db").exists()  # the flag's old default
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
