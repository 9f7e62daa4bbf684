"""Requests that used to crash or bloat the server (issue 13, defects 1, 3 and 5).

The crash tests run the matcher as its own process (`gpuc matcher run`): a deeply
nested body used to kill it with SIGSEGV, which an in-process test could not survive.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from matcher_api_helpers import CHAIN_ID, Wallet, body_of, order_payload

from matcher.auth.api_key import make_api_key
from matcher.book.clock import ManualClock

C = Wallet(61)
DEEP = 200_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def matcher_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gpuc.cli",
            "matcher",
            "run",
            "--no-chain",
            "--database-url",
            f"sqlite:///{tmp_path / 'm.db'}",
            "--port",
            str(port),
            "--chain-id",
            str(CHAIN_ID),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{url}/api/market", timeout=2)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"matcher did not start: {proc.stderr!r}") from None
            time.sleep(0.2)
    try:
        yield proc, url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _alive(proc: subprocess.Popen[bytes], url: str) -> None:
    assert proc.poll() is None, f"the matcher died with {proc.returncode}"
    assert httpx.get(f"{url}/api/market", timeout=5).status_code == 200


def test_deep_json_body_is_refused_and_server_lives(
    matcher_process: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, url = matcher_process
    body = b"[" * DEEP + b"]" * DEEP
    path = "/api/market/orders"
    headers = C.sign("POST", path, body, now=time.time())
    answer = httpx.post(f"{url}{path}", content=body, headers=headers, timeout=30)
    assert answer.status_code in (400, 413)
    assert answer.json()["error"]["param"] == "body"
    # Deep but within the size limit: refused for its depth.
    depth = b"[" * 30_000 + b"]" * 30_000
    answer = httpx.post(
        f"{url}{path}", content=depth, headers=C.sign("POST", path, depth, now=time.time())
    )
    assert answer.status_code == 400, answer.text
    assert "deeper than" in answer.json()["error"]["message"]
    _alive(proc, url)


def test_deep_json_line_in_an_upload_is_refused_and_server_lives(
    matcher_process: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, url = matcher_process
    key = make_api_key(C.key, chain_id=CHAIN_ID, expiry=int(time.time()) + 600)
    line = b'{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":'
    line += b"[" * 1_000_000 + b"]" * 1_000_000 + b"}\n"
    answer = httpx.post(
        f"{url}/v1/files",
        files={"file": ("in.jsonl", line, "application/jsonl")},
        data={"purpose": "batch"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert answer.status_code in (200, 400, 422), answer.text
    _alive(proc, url)


def _answer_without_body(url: str, request_head: bytes) -> bytes:
    """Send only the head of a request that declares a huge body; the server must answer
    at once (it used to wait for, and read, the whole body first)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request_head)
        sock.settimeout(5)
        return sock.recv(65536)


def test_unsigned_big_body_is_refused_before_it_is_read(
    matcher_process: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, url = matcher_process
    head = (
        b"POST /api/market/orders HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n"
    )
    answer = _answer_without_body(url, head)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b"X-GPUC-Signer" in answer
    # Signed (headers present) but declared too big: 413 naming the limit, unread.
    body = b"{}"
    signed = C.sign("POST", "/api/market/orders", body, now=time.time())
    head = b"POST /api/market/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n"
    head += b"".join(f"{k}: {v}\r\n".encode() for k, v in signed.items()) + b"\r\n"
    answer = _answer_without_body(url, head)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"at most 65536 bytes" in answer
    _alive(proc, url)


def test_unauthenticated_upload_is_refused_before_it_is_read(
    matcher_process: tuple[subprocess.Popen[bytes], str],
) -> None:
    proc, url = matcher_process
    head = (
        b"POST /v1/files HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 200000000\r\n"
    )
    answer = _answer_without_body(url, head + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    forged = b"Authorization: Bearer gpuc_0x" + b"00" * 20 + b"_9999999999_0x" + b"11" * 65
    answer = _answer_without_body(url, head + forged + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    _alive(proc, url)


def test_upload_over_the_file_limit_is_413(client: TestClient, clock: ManualClock) -> None:
    key = make_api_key(C.key, chain_id=CHAIN_ID, expiry=int(clock.now()) + 600)
    big = b"x" * (11 * 1024 * 1024)
    answer = client.post(
        "/v1/files",
        files={"file": ("a.jsonl", big)},
        data={"purpose": "batch"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("digits", ["¹²³", "12³", "²"])
def test_non_ascii_digits_in_signature_headers_are_401(
    client: TestClient, clock: ManualClock, digits: str
) -> None:
    body = body_of(order_payload())
    headers = C.sign("POST", "/api/market/orders", body, now=clock.now())
    raw = {k: v.encode() for k, v in headers.items()}
    # Headers travel as latin-1: superscripts arrive as the str "\u00b9\u00b2\u00b3".
    raw["X-GPUC-Nonce"] = digits.encode("latin-1")
    answer = client.post("/api/market/orders", content=body, headers=raw)
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"]["param"] == "X-GPUC-Nonce"


@pytest.mark.parametrize("digits", ["¹²³", "١٢٣", "\uff11\uff12\uff13"])
def test_non_ascii_digits_in_batch_metadata_are_422(
    client: TestClient, clock: ManualClock, digits: str
) -> None:
    key = make_api_key(C.key, chain_id=CHAIN_ID, expiry=int(clock.now()) + 600)
    auth = {"Authorization": f"Bearer {key}"}
    line = (
        b'{"custom_id":"a","method":"POST","url":"/v1/chat/completions",'
        b'"body":{"model":"llama-3-8b","messages":[{"role":"user","content":"hi"}]}}\n'
    )
    uploaded = client.post(
        "/v1/files", files={"file": ("a.jsonl", line)}, data={"purpose": "batch"}, headers=auth
    )
    assert uploaded.status_code == 200, uploaded.text
    answer = client.post(
        "/v1/batches",
        json={
            "input_file_id": uploaded.json()["id"],
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
            "metadata": {"max_price_wei": digits},
        },
        headers=auth,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["param"] == "metadata.max_price_wei"
