"""An embeddings job's input file: a UTF-8 JSON array of strings.

The spec's ``inputs_hash`` is keccak256 of the file's exact bytes, so any
encoding hashes correctly; ``encode_inputs`` writes the canonical one (no
spaces, non-ASCII kept as UTF-8) that consumers should upload.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
from eth_utils.crypto import keccak

from protocol.compute.errors import MalformedInputs
from protocol.compute.specs import EmbeddingsSpec

__all__ = ["MAX_TEXT_CHARS", "decode_inputs", "encode_inputs", "inputs_hash", "synthetic_texts"]

MAX_TEXT_CHARS = 100_000


def encode_inputs(texts: Sequence[str]) -> bytes:
    return json.dumps(list(texts), ensure_ascii=False, separators=(",", ":")).encode()


def inputs_hash(data: bytes) -> str:
    """The spec's ``inputs_hash`` field for an input file: 0x + keccak256 hex."""
    return "0x" + keccak(data).hex()


def decode_inputs(data: bytes, spec: EmbeddingsSpec) -> list[str]:
    """The texts of ``spec``; raises MalformedInputs if the file is not the one the
    spec names or is not a JSON array of ``spec.count`` strings."""
    if keccak(data) != spec.inputs_digest:
        raise MalformedInputs(
            f"input file hashes to {inputs_hash(data)}, the spec names {spec.inputs_hash}"
        )
    try:
        texts = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedInputs(f"input file is not UTF-8 JSON: {exc}") from None
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise MalformedInputs("input file must be a JSON array of strings")
    if len(texts) != spec.count:
        raise MalformedInputs(f"input file has {len(texts)} texts, the spec says {spec.count}")
    too_long = [i for i, t in enumerate(texts) if len(t) > MAX_TEXT_CHARS]
    if too_long:
        raise MalformedInputs(f"text {too_long[0]} is over {MAX_TEXT_CHARS} characters")
    return texts


_VOCABULARY = (
    "the a one every some market provider consumer job result model vector graphics "
    "card compute token credit escrow oracle block chain signs pays checks stakes "
    "fast slow quiet bright green old new red warm cold small large river mountain "
    "city garden kitchen music paper window train morning evening runs reads writes "
    "builds sees holds opens moves sells buys carries "
)
_WORDS = tuple(_VOCABULARY.split())


def synthetic_texts(seed: int, count: int) -> list[str]:
    """``count`` deterministic sentences for tests, benchmarks and simulations."""
    rng = np.random.Generator(np.random.PCG64(seed))
    lengths = rng.integers(4, 16, size=count)
    return [" ".join(_WORDS[i] for i in rng.integers(0, len(_WORDS), size=k)) for k in lengths]
