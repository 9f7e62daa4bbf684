"""Typed reads of box registers; a missing or mistyped register is a TxBuildError."""

from __future__ import annotations

from ergo_lib_python.chain import (
    Constant,
    EcPoint,
    NonMandatoryRegisterId,
    NonMandatoryRegisters,
    SType,
)

from protocol.ergo.errors import TxBuildError

__all__ = [
    "REGISTER_IDS",
    "read_bytes",
    "read_group_element",
    "read_int",
    "read_long",
    "registers_of",
]

REGISTER_IDS = (
    NonMandatoryRegisterId.R4,
    NonMandatoryRegisterId.R5,
    NonMandatoryRegisterId.R6,
    NonMandatoryRegisterId.R7,
    NonMandatoryRegisterId.R8,
    NonMandatoryRegisterId.R9,
)


def _read(registers: NonMandatoryRegisters, rid: NonMandatoryRegisterId) -> Constant:
    try:
        return registers[rid]
    except KeyError as exc:
        raise TxBuildError(
            f"box has no register R{int(rid)}; is it the right kind of box?"
        ) from exc


def _mistyped(rid: NonMandatoryRegisterId, wanted: str) -> TxBuildError:
    return TxBuildError(f"register R{int(rid)} is not a {wanted}; is it the right kind of box?")


def read_int(registers: NonMandatoryRegisters, rid: NonMandatoryRegisterId) -> int:
    constant = _read(registers, rid)
    value = constant.value
    if not isinstance(constant.tpe, SType.SInt) or not isinstance(value, int):
        raise _mistyped(rid, "Int")
    return value


def read_long(registers: NonMandatoryRegisters, rid: NonMandatoryRegisterId) -> int:
    constant = _read(registers, rid)
    value = constant.value
    if not isinstance(constant.tpe, SType.SLong) or not isinstance(value, int):
        raise _mistyped(rid, "Long")
    return value


def read_bytes(registers: NonMandatoryRegisters, rid: NonMandatoryRegisterId) -> bytes:
    value = _read(registers, rid).value
    if not isinstance(value, bytes):
        raise _mistyped(rid, "Coll[Byte]")
    return value


def read_group_element(registers: NonMandatoryRegisters, rid: NonMandatoryRegisterId) -> str:
    """The register's GroupElement as 33-byte compressed hex."""
    value = _read(registers, rid).value
    if not isinstance(value, EcPoint):
        raise _mistyped(rid, "GroupElement")
    return bytes(value).hex()


def registers_of(registers: NonMandatoryRegisters) -> dict[NonMandatoryRegisterId, Constant]:
    """All set registers; they are dense (R4 upwards without gaps)."""
    found: dict[NonMandatoryRegisterId, Constant] = {}
    for rid in REGISTER_IDS:
        try:
            found[rid] = registers[rid]
        except KeyError:
            break
    return found
