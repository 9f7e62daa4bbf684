"""Result hashes: keccak256 of the result bytes, written 0x + 64 hex digits."""

from __future__ import annotations

import re

from eth_utils.crypto import keccak

from provider.errors import InvalidResultHash

__all__ = ["hash_ref", "parse_hash_ref", "result_hash"]

_REF = re.compile(r"^0x[0-9a-fA-F]{64}$")


def result_hash(data: bytes) -> bytes:
    """The receipt's ``resultHash`` for ``data``."""
    return keccak(data)


def hash_ref(digest: bytes) -> str:
    """The lowercase 0x form used in URLs and file names."""
    if len(digest) != 32:
        raise InvalidResultHash(f"a result hash is 32 bytes, got {len(digest)}")
    return "0x" + digest.hex()


def parse_hash_ref(ref: str) -> bytes:
    """The 32 bytes named by ``ref``; raises InvalidResultHash unless it is 0x + 64 hex."""
    if not _REF.fullmatch(ref):
        raise InvalidResultHash(f"{ref[:80]!r} is not a result hash: expected 0x + 64 hex digits")
    return bytes.fromhex(ref[2:])
