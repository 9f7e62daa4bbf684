"""Field types shared by the oracle's HTTP bodies: hex bytes, signatures, URLs."""

from __future__ import annotations

from typing import Annotated, Any

from eth_utils.address import to_checksum_address
from pydantic import AfterValidator, BeforeValidator, PlainSerializer

__all__ = ["Address", "HexBytes", "HttpUrl", "Signature65"]


def _from_hex(value: Any) -> Any:
    if isinstance(value, str):
        text = value[2:] if value.startswith(("0x", "0X")) else value
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise ValueError("must be 0x followed by hex digits") from None
    return value


def _sixty_five(value: bytes) -> bytes:
    if len(value) != 65:
        raise ValueError(f"a signature is 65 bytes (r, s, v), got {len(value)}")
    return value


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{value!r} must start with http:// or https://")
    return value


def _address(value: str) -> str:
    try:
        return to_checksum_address(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not an address: {value!r}") from exc


HexBytes = Annotated[
    bytes, BeforeValidator(_from_hex), PlainSerializer(lambda b: "0x" + b.hex(), return_type=str)
]
Signature65 = Annotated[HexBytes, AfterValidator(_sixty_five)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
Address = Annotated[str, AfterValidator(_address)]
