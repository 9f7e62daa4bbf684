"""Options and arguments shared by several commands, and how results are shaped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from protocol.amounts import format_units

if TYPE_CHECKING:  # `gpuc CMD --help` must not load web3
    from protocol.tx.sender import MinedTx

__all__ = ["NEGATIVE_OK", "JobArg", "amount", "tx_fields"]

# Lets "-5" reach the AMOUNT argument (and its clear error) instead of failing as an option.
NEGATIVE_OK = {"ignore_unknown_options": True}
JobArg = Annotated[str, typer.Argument(help="Job id: 0x followed by 64 hex digits.")]


def amount(name: str, wei: int, unit: str = "GPUC") -> dict[str, Any]:
    """``name`` in whole units for people, ``name_wei`` exact for scripts (hidden in tables)."""
    return {name: f"{format_units(wei)} {unit}", f"{name}_wei": str(wei)}


def tx_fields(mined: MinedTx) -> dict[str, Any]:
    return {"tx": mined.tx_hash, "block": mined.block_number, "gas_used": mined.gas_used}
