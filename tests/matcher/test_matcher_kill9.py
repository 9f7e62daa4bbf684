"""kill -9 of the server under load: every acknowledged order is there after restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from matcher_api_helpers import Wallet, order_payload, send

LOAD_SECONDS = 1.5
WRITERS = 6


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def matcher_process(db_url: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "GPUC_MATCHER_RATE_LIMIT_PER_S": "1000000"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gpuc.cli",
            "matcher",
            "run",
            "--no-chain",
            "--database-url",
            db_url,
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/market/resources").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"matcher did not start: {proc.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.05)
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def test_acknowledged_orders_survive_kill_9_under_load(db_url: str) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    acked: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(seed: int) -> None:
        wallet = Wallet(900 + seed)
        with httpx.Client(base_url=base, timeout=5) as http:
            while not stop.is_set():
                try:
                    r = send(
                        http,
                        time.time(),
                        wallet,
                        "POST",
                        "/api/market/orders",
                        order_payload("limit", 1 + seed, 7, "h100"),
                    )
                except httpx.TransportError:
                    return  # the server is gone
                if r.status_code == 201:
                    with lock:
                        acked.append(r.json()["order_id"])

    with matcher_process(db_url, port) as proc:
        threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(LOAD_SECONDS)
        os.kill(proc.pid, signal.SIGKILL)  # mid-flight: no shutdown, no final commit
        proc.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=10)
    assert len(acked) > 50, "the load did not get going"
    with matcher_process(db_url, port), httpx.Client(base_url=base, timeout=10) as http:
        missing = [o for o in acked if http.get(f"/api/market/orders/{o}").status_code != 200]
        assert missing == []
        market = http.get("/api/market", params={"resource": "h100"}).json()["markets"][0]
        assert market["pending_requests"] >= len(acked)
