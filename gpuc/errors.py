"""The CLI's exception tree and how any error becomes one line and an exit code."""

from __future__ import annotations

from protocol.errors import (
    ChainUnreachable,
    ContractError,
    InsufficientFunds,
    InvalidInput,
    LocalChainError,
    ManifestError,
    ProtocolError,
    SignatureError,
    TransactionFailed,
    TransactionTimeout,
    WalletError,
    WrongChain,
)

__all__ = ["ExitCode", "GpucError", "UsageError", "exit_code_for"]


class GpucError(Exception):
    """Base of the errors the CLI itself raises."""


class UsageError(GpucError):
    """A flag, setting or file given to the CLI is unusable."""


class ExitCode:
    """Process exit codes, one per kind of failure, so scripts can branch on them."""

    OK = 0
    FAILURE = 1
    BAD_INPUT = 2
    CHAIN = 3  # unreachable, wrong chain, manifest problems
    REVERTED = 4  # the contracts refuse (preflight)
    TRANSACTION = 5  # sent but failed or timed out
    INTERRUPTED = 130


def exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, UsageError | InvalidInput | WalletError | SignatureError):
        return ExitCode.BAD_INPUT
    if isinstance(exc, ChainUnreachable | WrongChain | ManifestError | LocalChainError):
        return ExitCode.CHAIN
    if isinstance(exc, ContractError | InsufficientFunds):
        return ExitCode.REVERTED
    if isinstance(exc, TransactionFailed | TransactionTimeout):
        return ExitCode.TRANSACTION
    if isinstance(exc, ProtocolError | GpucError):
        return ExitCode.FAILURE
    return ExitCode.FAILURE
