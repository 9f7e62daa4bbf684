"""The SDK's one exception tree.

Every Solidity custom error maps to a subclass of :class:`ContractError` of the
same name (see ``protocol.contract_errors``); everything else the SDK raises is
a :class:`ProtocolError` too, so callers can catch one base.
"""

from __future__ import annotations

__all__ = [
    "ContractError",
    "InvalidInput",
    "ProtocolError",
    "SignatureError",
]


class ProtocolError(Exception):
    """Base of every error the GPUC SDK raises."""


class InvalidInput(ProtocolError, ValueError):
    """An argument is malformed or out of range; nothing was sent."""


class SignatureError(ProtocolError):
    """A signature is malformed, malleable (high s, bad v) or from the wrong signer."""


class ContractError(ProtocolError):
    """A contract reverted with a custom error; subclasses carry its decoded values."""
