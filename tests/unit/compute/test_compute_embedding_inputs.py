import pytest

from protocol.compute.embedding_inputs import (
    decode_inputs,
    encode_inputs,
    inputs_hash,
    synthetic_texts,
)
from protocol.compute.errors import MalformedInputs
from protocol.compute.specs import EmbeddingsSpec


def _spec_for(data: bytes, count: int) -> EmbeddingsSpec:
    return EmbeddingsSpec(
        kind="embeddings", model="all-MiniLM-L6-v2", inputs_hash=inputs_hash(data), count=count
    )


def test_roundtrip_keeps_texts_including_non_ascii() -> None:
    texts = ["héllo wörld", "", "line\nbreak", "日本語"]
    data = encode_inputs(texts)
    assert "日本語".encode() in data
    assert decode_inputs(data, _spec_for(data, 4)) == texts


def test_a_different_file_than_the_spec_names_is_refused() -> None:
    data = encode_inputs(["a", "b"])
    spec = _spec_for(encode_inputs(["a", "c"]), 2)
    with pytest.raises(MalformedInputs, match="hashes to"):
        decode_inputs(data, spec)


@pytest.mark.parametrize(
    ("data", "count", "message"),
    [
        (encode_inputs(["a", "b"]), 3, "has 2 texts"),
        (b'{"a": 1}', 1, "array of strings"),
        (b'["a", 2]', 2, "array of strings"),
        (b"\xff\xfe", 1, "UTF-8"),
        (b"[not json", 1, "UTF-8 JSON"),
    ],
)
def test_malformed_files_are_refused(data: bytes, count: int, message: str) -> None:
    with pytest.raises(MalformedInputs, match=message):
        decode_inputs(data, _spec_for(data, count))


def test_synthetic_texts_are_deterministic_and_varied() -> None:
    texts = synthetic_texts(5, 50)
    assert texts == synthetic_texts(5, 50)
    assert texts != synthetic_texts(6, 50)
    assert len(set(texts)) == 50
    assert all(4 <= len(t.split()) < 16 for t in texts)
