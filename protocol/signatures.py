"""Signature rules, once: keccak256, EIP-712 digests, signing, and strict recovery.

Signatures are accepted exactly as OpenZeppelin's ECDSA accepts them, the strictest of
the rules this code base had: 65 bytes (r, s, v), v in {27, 28}, 0 < r < n and
0 < s <= n/2 (low s). eth-account alone would also take high-s and v in {0, 1}, so
these are checked first (design.md §3, item 7). Every package recovers and signs with
these functions; none imports eth-account's private helpers.
"""

from __future__ import annotations

import functools
from typing import Any

from coincurve import PublicKey
from Crypto.Hash import keccak as keccak_hash
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.address import to_checksum_address

from protocol.errors import SignatureError

__all__ = [
    "SECP256K1_HALF_N",
    "SECP256K1_N",
    "check_signature",
    "eip712_digest",
    "keccak",
    "recover_signer",
    "sign_digest",
]

# secp256k1 group order; OpenZeppelin rejects s > N/2.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2


def keccak(data: bytes = b"", *, text: str | None = None) -> bytes:
    """keccak256, straight to pycryptodome: the eth_utils wrapper costs more than the hash
    on the matcher's per-request path (several hashes per signed request)."""
    raw = text.encode() if text is not None else data
    return bytes(keccak_hash.new(digest_bits=256, data=raw).digest())


def eip712_digest(domain: dict[str, Any], types: dict[str, Any], message: dict[str, Any]) -> bytes:
    """keccak256("\\x19\\x01" ‖ domainSeparator ‖ hashStruct(message)), built with
    eth-account's typed-data encoder (the primary type is the first of ``types``)."""
    signable = encode_typed_data(domain_data=domain, message_types=types, message_data=message)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def check_signature(signature: bytes) -> tuple[int, int, int]:
    """(v, r, s) of a 65-byte r ‖ s ‖ v signature; SignatureError on anything
    OpenZeppelin's ECDSA.recover would reject."""
    if len(signature) != 65:
        raise SignatureError(f"signature must be 65 bytes (r, s, v), got {len(signature)}")
    r = int.from_bytes(signature[0:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    v = signature[64]
    if v not in (27, 28):
        raise SignatureError(f"signature has v = {v}; only 27 or 28 are accepted")
    if r == 0 or s == 0:
        raise SignatureError("signature r and s must be non-zero")
    if r >= SECP256K1_N:
        raise SignatureError("signature r is not below the curve order")
    if s > SECP256K1_HALF_N:
        raise SignatureError(
            "signature s is in the upper half of the curve order (malleable; s must be in"
            " the low half)"
        )
    return v, r, s


@functools.lru_cache(maxsize=4096)
def _checksum(address: bytes) -> str:
    # EIP-55 costs one more hash; the same few thousand wallets sign again and again.
    return str(to_checksum_address(address))


def recover_signer(digest: bytes, signature: bytes) -> str:
    """The checksummed signer of ``digest``; SignatureError on anything OpenZeppelin's
    ECDSA.recover would reject."""
    if len(digest) != 32:
        raise SignatureError(f"digest must be 32 bytes, got {len(digest)}")
    v, _, _ = check_signature(signature)
    # libsecp256k1 (coincurve) directly: the checks above are the strict ones; this is
    # the recovery eth-account does, without its layers of wrapping.
    compact = bytes(signature[:64]) + bytes([v - 27])
    try:
        public = PublicKey.from_signature_and_message(compact, digest, hasher=None)
    except Exception as exc:  # libsecp256k1 refuses a point that is not on the curve
        raise SignatureError(f"signature does not recover to a key: {exc}") from None
    return _checksum(keccak(public.format(compressed=False)[1:])[12:])


def sign_digest(private_key: bytes | str, digest: bytes) -> bytes:
    """65-byte (r, s, v) signature with v in {27, 28} and low s."""
    signed = Account.unsafe_sign_hash(digest, private_key)
    return bytes(signed.signature)
