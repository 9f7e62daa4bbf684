"""Results round-trip through the store and its HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from provider.errors import ResultServerError
from provider.results.content_hash import hash_ref, result_hash
from provider.results.server import LOOPBACK, ResultServer
from provider.results.store import ResultStore


@pytest.fixture
def store(tmp_path: Path) -> ResultStore:
    return ResultStore(tmp_path / "results")


@pytest.fixture
def server(store: ResultStore) -> Iterator[ResultServer]:
    with ResultServer(store) as running:
        yield running


def test_stored_result_is_served_with_its_length_and_hash(
    store: ResultStore, server: ResultServer
) -> None:
    data = bytes(range(256)) * 4099
    digest = store.put(data)

    response = httpx.get(server.result_url(digest), timeout=10)

    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(data))
    assert response.headers["content-type"] == "application/octet-stream"
    assert result_hash(response.content) == digest
    assert response.content == data


def test_head_gives_the_length_without_the_body(store: ResultStore, server: ResultServer) -> None:
    digest = store.put(b"x" * 1000)

    response = httpx.head(server.result_url(digest), timeout=10)

    assert response.status_code == 200
    assert response.headers["content-length"] == "1000"
    assert response.content == b""


def test_unknown_hash_is_404(server: ResultServer) -> None:
    response = httpx.get(server.result_url(result_hash(b"never stored")), timeout=10)

    assert response.status_code == 404
    assert hash_ref(result_hash(b"never stored")) in response.json()["detail"]


def test_malformed_hash_is_400(server: ResultServer) -> None:
    response = httpx.get(f"{server.base_url}/results/0x1234", timeout=10)

    assert response.status_code == 400
    assert "64 hex digits" in response.json()["detail"]


def test_uppercase_hex_names_the_same_result(store: ResultStore, server: ResultServer) -> None:
    digest = store.put(b"case")
    ref = "0x" + digest.hex().upper()

    response = httpx.get(f"{server.base_url}/results/{ref}", timeout=10)

    assert response.status_code == 200
    assert response.content == b"case"


def test_a_tampered_file_is_not_served(store: ResultStore, server: ResultServer) -> None:
    digest = store.put(b"the committed result")
    store.path_for(digest).write_bytes(b"something else")

    response = httpx.get(server.result_url(digest), timeout=10)

    assert response.status_code == 500
    assert "hashes to" in response.json()["detail"]


def test_server_binds_loopback_only_on_a_free_port(server: ResultServer) -> None:
    assert server.base_url.startswith(f"http://{LOOPBACK}:")
    assert server.port > 0


def test_a_taken_port_is_a_clear_error(store: ResultStore) -> None:
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(ResultServerError, match=f"cannot bind {LOOPBACK}:{port}"):
            ResultServer(store, port=port).start()


def test_stop_frees_the_port(store: ResultStore) -> None:
    server = ResultServer(store)
    server.start()
    port = server.port
    server.stop()

    with socket.socket() as again:
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind((LOOPBACK, port))
