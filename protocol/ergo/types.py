"""Annotated field types shared by the Ergo boundary models."""

from __future__ import annotations

from typing import Annotated

from ergo_lib_python.chain import EcPoint
from pydantic import AfterValidator, Field

__all__ = ["ErgoLong", "Hash32Hex", "Height", "PublicKeyHex", "TokenIdHex"]

# Ergo's Long is signed 64-bit: values above 2**63 - 1 cannot live in a register.
ErgoLong = Annotated[int, Field(ge=0, le=2**63 - 1)]
Height = Annotated[int, Field(ge=0, le=2**31 - 1)]
Hash32Hex = Annotated[str, Field(pattern=r"^0x[0-9a-f]{64}$")]
TokenIdHex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def _on_curve(value: str) -> str:
    try:
        EcPoint(bytes.fromhex(value))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{value!r} is not a compressed secp256k1 point: {exc}") from exc
    return value


PublicKeyHex = Annotated[str, Field(pattern=r"^0[23][0-9a-f]{64}$"), AfterValidator(_on_curve)]
