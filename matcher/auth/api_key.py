"""API keys for the OpenAI-compatible endpoints.

The official `openai` client can only send `Authorization: Bearer <key>`, so a
consumer's wallet signs ApiKey(address owner,uint64 expiry) once and the key is
`gpuc_<owner>_<expiry>_<signature>`. It is a bearer credential until it expires or
its owner revokes it (by its id, `api_key_id`), and the matcher refuses keys that
live longer than its maximum lifetime (`max_lifetime_s` from now).
"""

from __future__ import annotations

from collections.abc import Container

from eth_account import Account
from eth_utils.crypto import keccak

from matcher.auth.eip712 import recover, sign, typed_digest, uint256
from matcher.errors import AuthError, SignatureExpired

API_KEY_TYPEHASH = keccak(text="ApiKey(address owner,uint64 expiry)")
PREFIX = "gpuc"


def _struct_hash(owner: str, expiry: int) -> bytes:
    return keccak(API_KEY_TYPEHASH + bytes(12) + bytes.fromhex(owner[2:]) + uint256(expiry))


def api_key_digest(owner: str, *, chain_id: int, expiry: int) -> bytes:
    """The EIP-712 digest a wallet signs to make a key (any signer: CLI, hardware)."""
    return typed_digest(chain_id, _struct_hash(owner, expiry))


def api_key_from_signature(owner: str, expiry: int, signature: bytes) -> str:
    return f"{PREFIX}_{owner}_{expiry}_0x{signature.hex()}"


def make_api_key(private_key: str | bytes, *, chain_id: int, expiry: int) -> str:
    owner = str(Account.from_key(private_key).address)
    signature = sign(chain_id, _struct_hash(owner, expiry), private_key)
    return f"{PREFIX}_{owner}_{expiry}_{signature}"


def api_key_expiry(key: str) -> int:
    """The expiry written in a key already verified by `verify_api_key`."""
    return int(key.strip().split("_")[2])


def api_key_id(key: str) -> str:
    """A key's public id: names it in lists and revocations without revealing it."""
    return "key_" + keccak(text=key.strip()).hex()[:32]


def verify_api_key(
    key: str,
    *,
    chain_id: int,
    now: float,
    max_lifetime_s: float | None = None,
    revoked: Container[str] = (),
) -> str:
    """The owner's checksum address, or AuthError."""
    parts = key.split("_")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise AuthError(
            "the API key is not a GPUC key (gpuc_<address>_<expiry>_<signature>)",
            field="Authorization",
        )
    _, owner, expiry_text, signature = parts
    if len(owner) != 42 or not owner.startswith("0x"):
        raise AuthError("the API key's address is malformed", field="Authorization")
    try:
        bytes.fromhex(owner[2:])
        expiry = int(expiry_text)
    except ValueError:
        raise AuthError(
            "the API key's address or expiry is malformed", field="Authorization"
        ) from None
    if not 0 <= expiry < 2**64:
        raise AuthError("the API key's expiry is out of range", field="Authorization")
    if expiry <= now:
        raise SignatureExpired(f"the API key expired at {expiry}", field="Authorization")
    if max_lifetime_s is not None and expiry - now > max_lifetime_s:
        raise AuthError(
            f"the API key is valid until {expiry}, more than the maximum lifetime of"
            f" {max_lifetime_s:.0f} s from now; make a key with a shorter lifetime",
            field="Authorization",
        )
    if api_key_id(key) in revoked:
        raise AuthError(f"the API key {api_key_id(key)} was revoked", field="Authorization")
    recovered = recover(chain_id, _struct_hash(owner, expiry), signature, field="Authorization")
    if recovered.lower() != owner.lower():
        raise AuthError(
            f"the API key is signed by {recovered}, not by {owner}", field="Authorization"
        )
    return recovered
