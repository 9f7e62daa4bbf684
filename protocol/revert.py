"""Revert data -> the ContractError subclass named like the Solidity error.

Custom errors come from protocol.contract_errors (generated from the ABIs); the two
built-in Solidity reverts, Error(string) and Panic(uint256), and revert data nobody
declared get the hand-written classes below.
"""

from __future__ import annotations

from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError
from eth_utils.address import to_checksum_address

from protocol.contract_errors import ERRORS_BY_SELECTOR
from protocol.errors import ContractError

__all__ = ["Panic", "RevertedWithReason", "RevertedWithoutReason", "decode_revert"]

_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)

_PANIC_CODES = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialised function",
}


class RevertedWithReason(ContractError):
    """The contract reverted with a reason string (require or revert("...")."""

    signature = "Error(string)"
    selector = _ERROR_STRING
    abi_types = ("string",)
    field_names = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Panic(ContractError):
    """The contract hit a Solidity panic (a bug or an impossible state)."""

    signature = "Panic(uint256)"
    selector = _PANIC
    abi_types = ("uint256",)
    field_names = ("code",)

    def __init__(self, code: int) -> None:
        self.code = code
        super().__init__(code)

    def describe(self) -> str:
        meaning = _PANIC_CODES.get(self.code, "unknown panic code")
        return f"Panic(code={self.code:#x}): {meaning}"


class RevertedWithoutReason(ContractError):
    """The call reverted with no data, or data of no known error."""

    field_names = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data
        super().__init__(data)

    def describe(self) -> str:
        if not self.data:
            return "the call reverted without a reason (e.g. a call to an address with no code)"
        return f"the call reverted with unknown error data 0x{self.data.hex()}"


_BUILTIN: dict[bytes, type[ContractError]] = {
    _ERROR_STRING: RevertedWithReason,
    _PANIC: Panic,
}


def _python_value(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return to_checksum_address(value)
    return value


def decode_revert(data: bytes) -> ContractError:
    """The exception for ``data`` (the raw revert bytes of an eth_call or a trace)."""
    selector = bytes(data[:4])
    cls = ERRORS_BY_SELECTOR.get(selector) or _BUILTIN.get(selector)
    if cls is None:
        return RevertedWithoutReason(bytes(data))
    try:
        values = abi_decode(list(cls.abi_types), bytes(data[4:]))
    except DecodingError:
        return RevertedWithoutReason(bytes(data))
    return cls(*(_python_value(t, v) for t, v in zip(cls.abi_types, values, strict=True)))
