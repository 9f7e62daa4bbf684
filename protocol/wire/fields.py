"""Field types of every GPUC wire body and typed struct: hex bytes, bytes32, addresses,
signatures, URLs. One home; the SDK, the oracle and the matcher import them from here."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from eth_utils.address import to_checksum_address
from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema

__all__ = [
    "Address",
    "AddressHex",
    "Bytes32",
    "Bytes32Hex",
    "HexBytes",
    "HttpUrl",
    "Signature65",
    "as_address",
    "as_bytes32",
    "from_hex",
]


def from_hex(value: Any) -> Any:
    """Before validation: "0x…" (or bare) hex text becomes bytes; bytes pass through."""
    if isinstance(value, str):
        text = value[2:] if value.startswith(("0x", "0X")) else value
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise ValueError("must be 0x followed by hex digits") from None
    return value


def as_bytes32(value: Any) -> bytes:
    """32 bytes from bytes or hex text, or ValueError."""
    if isinstance(value, str):
        text = value[2:] if value.startswith(("0x", "0X")) else value
        try:
            value = bytes.fromhex(text)
        except ValueError:
            raise ValueError("must be 32 bytes (0x followed by 64 hex digits)") from None
    if not isinstance(value, bytes | bytearray) or len(value) != 32:
        raise ValueError("must be 32 bytes (0x followed by 64 hex digits)")
    return bytes(value)


@functools.lru_cache(maxsize=4096)
def _checksum(value: str) -> str:
    # EIP-55 costs a hash; the same few thousand wallets come again and again.
    return str(to_checksum_address(value))


def as_address(value: Any) -> str:
    """The EIP-55 checksummed form of an address (text or 20 bytes), or ValueError."""
    try:
        if isinstance(value, bytes | bytearray):
            return str(to_checksum_address(bytes(value)))
        return _checksum(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not an address: {value!r}") from exc


def _sixty_five(value: bytes) -> bytes:
    if len(value) != 65:
        raise ValueError(f"a signature is 65 bytes (r, s, v), got {len(value)}")
    return value


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} must start with http:// or https://")
    return value


def _hex_text(value: bytes) -> str:
    return "0x" + value.hex()


# Bytes in Python, 0x hex text in JSON.
HexBytes = Annotated[bytes, BeforeValidator(from_hex), PlainSerializer(_hex_text, return_type=str)]
Bytes32 = Annotated[
    bytes,
    BeforeValidator(as_bytes32),
    PlainSerializer(_hex_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": "^0x[0-9a-fA-F]{64}$"}),
]
Signature65 = Annotated[HexBytes, AfterValidator(_sixty_five)]
# A checksummed address (any case accepted on input).
Address = Annotated[str, AfterValidator(as_address)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
# Text kept as sent, checked for shape only (request fields the matcher compares in lower case).
Bytes32Hex = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]
AddressHex = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$")]
