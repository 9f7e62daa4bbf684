"""The matcher's EIP-712 domain and strict signature recovery.

eth-account recovers high-s signatures and v in {0, 1}; OpenZeppelin's ECDSA (and so
every contract of ours) refuses them, and design.md section 3 item 7 says off-chain
code accepts exactly what the contracts accept. So both are refused here first.
"""

from __future__ import annotations

import functools

from coincurve import PublicKey
from Crypto.Hash import keccak as keccak_hash
from eth_account import Account
from eth_utils.address import to_checksum_address

from matcher.errors import AuthError


def keccak(data: bytes = b"", *, text: str | None = None) -> bytes:
    """keccak256, straight to pycryptodome: the eth_utils wrapper costs more than the hash
    on the per-request path (several hashes per signed request)."""
    raw = text.encode() if text is not None else data
    return bytes(keccak_hash.new(digest_bits=256, data=raw).digest())


DOMAIN_NAME = "GPUC Matcher"
DOMAIN_VERSION = "1"
DOMAIN_TYPEHASH = keccak(text="EIP712Domain(string name,string version,uint256 chainId)")
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2


def uint256(value: int) -> bytes:
    return value.to_bytes(32, "big")


@functools.lru_cache(maxsize=16)
def domain_separator(chain_id: int) -> bytes:
    return keccak(
        DOMAIN_TYPEHASH + keccak(text=DOMAIN_NAME) + keccak(text=DOMAIN_VERSION) + uint256(chain_id)
    )


def typed_digest(chain_id: int, struct_hash: bytes) -> bytes:
    return keccak(b"\x19\x01" + domain_separator(chain_id) + struct_hash)


def parse_signature(signature_hex: str, *, field: str) -> tuple[int, int, int]:
    """(v, r, s) of a 65-byte r||s||v signature, refusing what ECDSA.sol refuses."""
    text = signature_hex[2:] if signature_hex.startswith(("0x", "0X")) else signature_hex
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise AuthError(f"{field} is not hex", field=field) from None
    if len(raw) != 65:
        raise AuthError(f"{field} must be 65 bytes (r, s, v), got {len(raw)}", field=field)
    r = int.from_bytes(raw[:32], "big")
    s = int.from_bytes(raw[32:64], "big")
    v = raw[64]
    if v not in (27, 28):
        raise AuthError(f"{field} has v = {v}; only 27 or 28 are accepted", field=field)
    if not (0 < r < SECP256K1_N and 0 < s <= SECP256K1_HALF_N):
        raise AuthError(f"{field} is malleable or invalid (s must be in the low half)", field=field)
    return v, r, s


def recover(chain_id: int, struct_hash: bytes, signature_hex: str, *, field: str) -> str:
    """Checksum address of the signer of `struct_hash` under the matcher's domain."""
    v, r, s = parse_signature(signature_hex, field=field)
    digest = typed_digest(chain_id, struct_hash)
    # coincurve (libsecp256k1) directly: the checks above are the strict ones; this is
    # the same recovery eth-account does, without its layers of wrapping.
    compact = uint256(r) + uint256(s) + bytes([v - 27])
    try:
        public = PublicKey.from_signature_and_message(compact, digest, hasher=None)
    except Exception as exc:  # libsecp256k1 refuses a point that is not on the curve
        raise AuthError(f"{field} does not recover to an address: {exc}", field=field) from None
    return _checksum(keccak(public.format(compressed=False)[1:])[12:])


@functools.lru_cache(maxsize=4096)
def _checksum(address: bytes) -> str:
    # EIP-55 costs one more hash; the same few thousand wallets sign again and again.
    return str(to_checksum_address(address))


def sign(chain_id: int, struct_hash: bytes, private_key: str | bytes) -> str:
    """Sign with a local key (clients, tests, benchmarks); low-s and v in {27, 28}."""
    signed = Account.unsafe_sign_hash(typed_digest(chain_id, struct_hash), private_key)
    return "0x" + bytes(signed.signature).hex()
