"""The matcher's EIP-712 domain separator and signature recovery under it.

The domain's name and version are protocol.matcher_client.signing's (the SDK signs
under the same ones); the signature rules are protocol.signatures', whose
SignatureError becomes an AuthError naming the request field here.
"""

from __future__ import annotations

import functools

from matcher.errors import AuthError
from protocol.errors import SignatureError
from protocol.matcher_client.signing import MATCHER_DOMAIN_NAME, MATCHER_DOMAIN_VERSION
from protocol.signatures import keccak, recover_signer, sign_digest

DOMAIN_TYPEHASH = keccak(text="EIP712Domain(string name,string version,uint256 chainId)")


def uint256(value: int) -> bytes:
    return value.to_bytes(32, "big")


@functools.lru_cache(maxsize=16)
def domain_separator(chain_id: int) -> bytes:
    return keccak(
        DOMAIN_TYPEHASH
        + keccak(text=MATCHER_DOMAIN_NAME)
        + keccak(text=MATCHER_DOMAIN_VERSION)
        + uint256(chain_id)
    )


def typed_digest(chain_id: int, struct_hash: bytes) -> bytes:
    return keccak(b"\x19\x01" + domain_separator(chain_id) + struct_hash)


def recover(chain_id: int, struct_hash: bytes, signature_hex: str, *, field: str) -> str:
    """Checksum address of the signer of `struct_hash` under the matcher's domain."""
    text = signature_hex[2:] if signature_hex.startswith(("0x", "0X")) else signature_hex
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise AuthError(f"{field} is not hex", field=field) from None
    try:
        return recover_signer(typed_digest(chain_id, struct_hash), raw)
    except SignatureError as exc:
        raise AuthError(f"{field}: {exc}", field=field) from None


def sign(chain_id: int, struct_hash: bytes, private_key: str | bytes) -> str:
    """Sign with a local key (clients, tests, benchmarks); low-s and v in {27, 28}."""
    return "0x" + sign_digest(private_key, typed_digest(chain_id, struct_hash)).hex()
