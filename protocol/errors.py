"""The SDK's one exception tree.

Every Solidity custom error maps to a subclass of :class:`ContractError` of the
same name (see ``protocol.contract_errors``); everything else the SDK raises is
a :class:`ProtocolError` too, so callers can catch one base.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar

__all__ = [
    "ChainUnreachable",
    "ContractError",
    "DeploymentError",
    "InsufficientFunds",
    "InvalidInput",
    "LocalChainError",
    "ManifestError",
    "ProtocolError",
    "SignatureError",
    "TransactionFailed",
    "TransactionTimeout",
    "WalletError",
    "WrongChain",
]


class ProtocolError(Exception):
    """Base of every error the GPUC SDK raises."""


class InvalidInput(ProtocolError, ValueError):
    """An argument is malformed or out of range; nothing was sent."""


class SignatureError(ProtocolError):
    """A signature is malformed, malleable (high s, bad v) or from the wrong signer."""


class ContractError(ProtocolError):
    """A contract reverted with a custom error; subclasses carry its decoded values.

    Subclasses (generated in protocol.contract_errors) set ``signature``, ``selector``,
    ``abi_types`` and ``field_names`` and store each decoded value under its
    parameter's snake_case name.
    """

    signature: ClassVar[str] = ""
    selector: ClassVar[bytes] = b""
    abi_types: ClassVar[tuple[str, ...]] = ()
    field_names: ClassVar[tuple[str, ...]] = ()
    # (parameter, member names) for parameters that are Solidity enums
    enum_members: ClassVar[tuple[tuple[str, tuple[str, ...]], ...]] = ()

    def __init__(self, *values: object) -> None:
        self.values: tuple[object, ...] = values
        super().__init__(self.describe())

    @classmethod
    def summary(cls) -> str:
        """The error's NatSpec, one line."""
        return " ".join((cls.__doc__ or "").split())

    def fields(self) -> dict[str, object]:
        return dict(zip(self.field_names, self.values, strict=False))

    def describe(self) -> str:
        shown = ", ".join(f"{k}={self._show_field(k, v)}" for k, v in self.fields().items())
        head = f"{type(self).__name__}({shown})" if shown else type(self).__name__
        return f"{head}: {self.summary()}"

    def _show_field(self, name: str, value: object) -> str:
        members = dict(self.enum_members).get(name, ())
        if isinstance(value, int) and 0 <= value < len(members):
            return members[value]
        if isinstance(value, int) and not isinstance(value, bool):
            if name in _AMOUNT_FIELDS:  # 18-decimal token or ETH amounts: whole units too
                return f"{_units(value)} ({value} wei)"
            if name in _TIME_FIELDS and 0 < value < 2**40:
                when = datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
                return f"{when} ({value})"
        return _show(value)


# Parameter names of the contracts' errors that hold wei amounts, and unix times.
_AMOUNT_FIELDS = frozenset(
    {"allowance", "amount", "balance", "budget", "free", "locked", "min_out", "needed",
     "out", "price_per_unit", "required", "sent", "value", "expected"}
)  # fmt: skip
_TIME_FIELDS = frozenset(
    {"accept_deadline", "available_at", "deadline", "limit", "now_time", "ready_at"}
)


def _units(wei: int) -> str:
    text = f"{Decimal(wei).scaleb(-18):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _show(value: object) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value)


class ChainUnreachable(ProtocolError):
    """The JSON-RPC endpoint did not answer."""


class WrongChain(ProtocolError):
    """The connected chain is not the one expected (chain id or deployed code differ)."""


class ManifestError(ProtocolError):
    """A deployment manifest is missing, malformed or does not match the chain."""


class DeploymentError(ProtocolError):
    """Deploying or wiring the contract set failed."""


class WalletError(ProtocolError):
    """No usable key: keystore missing or unreadable, wrong password, bad hex key."""


class InsufficientFunds(ProtocolError):
    """The sender's ETH does not cover value plus the maximum gas cost."""


class TransactionTimeout(ProtocolError):
    """A sent transaction was not mined (or not confirmed) in time; it may still be mined."""

    def __init__(self, message: str, tx_hash: str) -> None:
        super().__init__(message)
        self.tx_hash = tx_hash


class TransactionFailed(ProtocolError):
    """A mined transaction reverted (its status is 0) although its preflight passed."""

    def __init__(self, message: str, tx_hash: str, reason: ProtocolError | None) -> None:
        super().__init__(message)
        self.tx_hash = tx_hash
        self.reason = reason  # the revert, decoded by replaying the transaction


class LocalChainError(ProtocolError):
    """The local anvil chain could not be started or stopped."""
