"""Fetching results over real HTTP from a server on 127.0.0.1 (a free port)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from eth_utils.crypto import keccak

from oracles.errors import ResultHashMismatch, ResultTooLarge, ResultUnavailable
from oracles.result_fetch import fetch_result, result_url

RESULT = b"\x93NUMPY result bytes " * 100
RESULT_HASH = keccak(RESULT)
LIMIT = 4_096


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {
            f"/results/0x{RESULT_HASH.hex()}": self._send_result,
            "/other": lambda: self._send(b"other bytes"),
            "/declared-big": lambda: self._send(b"x" * (LIMIT + 1)),
            "/undeclared-big": self._send_without_length,
            "/slow": self._slow,
            "/drip": self._drip,
        }
        routes.get(self.path, lambda: self.send_error(404))()

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_result(self) -> None:
        self._send(RESULT)

    def _send_without_length(self) -> None:
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        for _ in range(64):
            self.wfile.write(b"y" * 1_024)

    def _slow(self) -> None:
        time.sleep(1.5)
        self._send(RESULT)

    def _drip(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "40")
        self.end_headers()
        for _ in range(40):
            self.wfile.write(b"z")
            self.wfile.flush()
            time.sleep(0.05)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that give up (timeouts, size limits) close mid-write: expected here.
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_fetches_the_committed_bytes_from_the_content_address(server: str) -> None:
    url = result_url(server + "/", RESULT_HASH)
    assert url == f"{server}/results/0x{RESULT_HASH.hex()}"
    assert fetch_result(url, RESULT_HASH, max_bytes=LIMIT) == RESULT


def test_a_shared_client_can_be_passed_in(server: str) -> None:
    with httpx.Client() as client:
        data = fetch_result(result_url(server, RESULT_HASH), RESULT_HASH, client=client)
    assert data == RESULT


def test_other_bytes_than_committed_are_refused(server: str) -> None:
    with pytest.raises(ResultHashMismatch, match="commits to"):
        fetch_result(f"{server}/other", RESULT_HASH)


@pytest.mark.parametrize("path", ["/declared-big", "/undeclared-big"])
def test_downloads_stop_at_the_size_limit(server: str, path: str) -> None:
    with pytest.raises(ResultTooLarge, match=str(LIMIT)):
        fetch_result(server + path, RESULT_HASH, max_bytes=LIMIT)


def test_missing_results_are_unavailable(server: str) -> None:
    with pytest.raises(ResultUnavailable, match="404"):
        fetch_result(f"{server}/results/0x{'00' * 32}", b"\0" * 32)


def test_a_slow_server_times_out(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(ResultUnavailable, match="timed out"):
        fetch_result(f"{server}/slow", RESULT_HASH, timeout=0.3)
    assert time.monotonic() - started < 1.4


def test_a_slow_drip_is_cut_off_by_the_total_timeout(server: str) -> None:
    # Each byte arrives well within the per-read timeout; the whole body does not.
    with pytest.raises(ResultUnavailable, match="in all"):
        fetch_result(f"{server}/drip", RESULT_HASH, timeout=0.5)


def test_a_closed_port_is_unavailable() -> None:
    with pytest.raises(ResultUnavailable, match="could not be fetched"):
        fetch_result("http://127.0.0.1:9/results/x", RESULT_HASH, timeout=1.0)


def test_a_malformed_hash_argument_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        fetch_result("http://127.0.0.1:9/", b"short")
