"""The content-addressed store on disk: names, atomic writes, checked reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provider.errors import InvalidResultHash, ResultCorrupt, ResultNotFound
from provider.results.content_hash import hash_ref, parse_hash_ref, result_hash
from provider.results.store import ResultStore


def test_a_result_is_named_by_its_keccak256(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)

    digest = store.put(b"abc")

    # keccak256("abc"), not SHA3-256 (which starts 3a985da7).
    assert digest.hex() == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"
    assert store.path_for(digest) == tmp_path / ("0x" + digest.hex())
    assert store.get(digest) == b"abc"
    assert store.size(digest) == 3


def test_writes_leave_no_temp_files_and_repeat_is_a_no_op(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)

    first = store.put(b"same bytes")
    mtime = store.path_for(first).stat().st_mtime_ns
    second = store.put(b"same bytes")

    assert first == second
    assert store.path_for(first).stat().st_mtime_ns == mtime
    assert [p.name for p in tmp_path.iterdir()] == [hash_ref(first)]


def test_unknown_hash_is_not_found(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    missing = result_hash(b"missing")

    assert not store.has(missing)
    with pytest.raises(ResultNotFound, match=hash_ref(missing)):
        store.get(missing)
    with pytest.raises(ResultNotFound):
        store.size(missing)


def test_a_changed_file_is_reported_corrupt(tmp_path: Path) -> None:
    store = ResultStore(tmp_path)
    digest = store.put(b"original")
    store.path_for(digest).write_bytes(b"tampered")

    with pytest.raises(ResultCorrupt, match=f"now hashes to {hash_ref(result_hash(b'tampered'))}"):
        store.get(digest)


@pytest.mark.parametrize(
    "ref", ["", "0x", "0x" + "0" * 63, "0x" + "0" * 65, "00" * 32, "0x" + "g" * 64, "0X" + "0" * 64]
)
def test_malformed_refs_are_rejected(ref: str) -> None:
    with pytest.raises(InvalidResultHash, match="0x \\+ 64 hex digits"):
        parse_hash_ref(ref)


def test_hash_ref_needs_32_bytes() -> None:
    with pytest.raises(InvalidResultHash, match="32 bytes"):
        hash_ref(b"\x00" * 31)


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=4096))
def test_any_bytes_round_trip(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    store = ResultStore(tmp_path_factory.mktemp("store"))

    digest = store.put(data)

    assert parse_hash_ref(hash_ref(digest)) == digest
    assert store.get(digest) == data
