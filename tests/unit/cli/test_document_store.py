"""The market's content-addressed document store: only bytes that hash to their name are
stored, a refused upload stores nothing, and what is stored comes back as it went in."""

from __future__ import annotations

from pathlib import Path

from eth_utils.crypto import keccak
from fastapi.testclient import TestClient

from gpuc.market.document_store import create_document_app
from provider.results.store import ResultStore


def _client(tmp_path: Path, max_bytes: int = 1024) -> tuple[TestClient, Path]:
    folder = tmp_path / "docs"
    return TestClient(create_document_app(ResultStore(folder), max_bytes=max_bytes)), folder


def test_put_then_get_by_hash(tmp_path: Path) -> None:
    client, _ = _client(tmp_path)
    data = b'{"kind":"matmul"}'
    ref = "0x" + keccak(data).hex()
    assert client.put(f"/{ref}", content=data).status_code == 201
    assert client.put(f"/{ref}", content=data).status_code == 200  # already known
    got = client.get(f"/{ref.upper().replace('0X', '0x')}")
    assert got.status_code == 200 and got.content == data


def test_refused_uploads_store_nothing(tmp_path: Path) -> None:
    client, folder = _client(tmp_path, max_bytes=8)
    data = b"short"
    wrong = "0x" + keccak(b"other").hex()
    answer = client.put(f"/{wrong}", content=data)
    assert answer.status_code == 422 and "hashes to" in answer.json()["detail"]
    big = b"x" * 9
    assert client.put("/0x" + keccak(big).hex(), content=big).status_code == 413
    assert client.put("/0x1234", content=data).status_code == 400
    assert [p for p in folder.iterdir() if not p.name.startswith(".")] == []
    assert client.get(f"/{wrong}").status_code == 404


def test_the_matcher_serves_and_documents_the_store(tmp_path: Path) -> None:
    from gpuc.market.market_host import create_market_app
    from matcher.settings import MatcherSettings

    settings = MatcherSettings(database_url=f"sqlite:///{tmp_path / 'm.db'}")
    app = create_market_app(settings, None, tmp_path / "docs")
    with TestClient(app) as client:
        schema = client.get("/openapi.json").json()
        route = schema["paths"]["/documents/{ref}"]
        assert "application/octet-stream" in route["put"]["requestBody"]["content"]
        assert "keccak256" in route["put"]["description"] and "get" in route
        data = b"a result"
        ref = "0x" + keccak(data).hex()
        assert client.put(f"/documents/{ref}", content=data).status_code == 201
        assert client.get(f"/documents/{ref}").content == data


def test_binary_documents_pass_the_matchers_json_guard(tmp_path: Path) -> None:
    """A chunk of an image archive can look like deeply nested JSON: published as the
    octet-stream it is, the matcher's JSON depth guard lets it through."""
    from gpuc.market.market_host import create_market_app
    from matcher.settings import MatcherSettings
    from protocol.documents import fetch_document, publish_document

    settings = MatcherSettings(database_url=f"sqlite:///{tmp_path / 'm.db'}")
    app = create_market_app(settings, None, tmp_path / "docs")
    chunk = b"[" * 5000 + bytes(range(256))
    with TestClient(app) as client:
        untyped = client.put(f"/documents/0x{keccak(chunk).hex()}", content=chunk)
        assert untyped.status_code == 400 and "deeper" in untyped.text  # why the type matters
        ref = publish_document(client, "http://testserver/documents", chunk)
        data, _ = fetch_document(client, ["http://testserver/documents"], bytes.fromhex(ref[2:]))
    assert data == chunk
