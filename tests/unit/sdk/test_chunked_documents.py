"""Chunked documents through a real document store on loopback: a file larger than one
chunk goes up as chunks plus a manifest and comes back byte for byte; a missing or
altered chunk, an inconsistent manifest or a file past the reader's limit is refused
and leaves no file behind."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gpuc.market.document_store import create_document_app
from protocol.chunked_documents import fetch_chunked, parse_chunked_manifest, publish_chunked
from protocol.documents import DocumentError, document_ref, fetch_document, publish_document
from provider.results.server import LoopbackServer
from provider.results.store import ResultStore

CHUNK = 4096


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path / "store"
    with LoopbackServer(create_document_app(ResultStore(folder))) as server:
        yield server.base_url, folder


def test_a_file_goes_up_in_chunks_and_comes_back_whole(
    store: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = store
    source = tmp_path / "archive.bin"
    source.write_bytes(os.urandom(3 * CHUNK + 123))
    with httpx.Client(timeout=10) as http:
        ref = publish_chunked(http, url, source, chunk_size=CHUNK)
        raw, _ = fetch_document(http, [url], bytes.fromhex(ref[2:]))
        manifest = parse_chunked_manifest(raw)
        assert [c.size for c in manifest.chunks] == [CHUNK, CHUNK, CHUNK, 123]
        copy = tmp_path / "copy.bin"
        fetched = fetch_chunked(http, [url], bytes.fromhex(ref[2:]), copy)
    assert copy.read_bytes() == source.read_bytes()
    assert fetched == manifest and manifest.size == source.stat().st_size


def test_a_missing_chunk_or_a_wrong_whole_is_refused_and_leaves_no_file(
    store: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = store
    chunks = [os.urandom(CHUNK), os.urandom(100)]
    copy = tmp_path / "copy.bin"
    with httpx.Client(timeout=10) as http:
        refs = [publish_document(http, url, c) for c in chunks[:1]]  # the second never uploaded
        listed = [{"hash": refs[0], "size": CHUNK}, {"hash": document_ref(chunks[1]), "size": 100}]
        missing = json.dumps(
            {
                "kind": "gpuc-chunked",
                "version": 1,
                "size": CHUNK + 100,
                "sha256": "0x" + "00" * 32,
                "chunks": listed,
            }
        ).encode()
        ref = publish_document(http, url, missing)
        with pytest.raises(DocumentError, match="is not available"):
            fetch_chunked(http, [url], bytes.fromhex(ref[2:]), copy)
        assert not copy.exists()
        # Every chunk there, but the manifest's sha256 of the whole is not theirs.
        publish_document(http, url, chunks[1])
        with pytest.raises(DocumentError, match="sha256"):
            fetch_chunked(http, [url], bytes.fromhex(ref[2:]), copy)
        assert not copy.exists()
        # Past the reader's limit: refused before any chunk is fetched.
        with pytest.raises(DocumentError, match="more than the 1000"):
            fetch_chunked(http, [url], bytes.fromhex(ref[2:]), copy, max_bytes=1000)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"kind": "gpuc-chunked", "version": 1, "size": 5, "sha256": "0x" + "00" * 32,
          "chunks": [{"hash": "0x" + "11" * 32, "size": 4}]}, "add up to 4 bytes"),
        ({"kind": "other", "version": 1}, "kind"),
        ({"kind": "gpuc-chunked", "version": 1, "size": 1, "sha256": "0x" + "00" * 32,
          "chunks": []}, "chunks"),
    ],
)  # fmt: skip
def test_a_bad_manifest_is_refused_naming_the_field(document: object, problem: str) -> None:
    with pytest.raises(DocumentError, match=problem):
        parse_chunked_manifest(json.dumps(document).encode())
