"""Turn a JSON-RPC error object from a node into the SDK's exception."""

from __future__ import annotations

from typing import Any

from protocol.errors import InsufficientFunds, ProtocolError
from protocol.revert import decode_revert

__all__ = ["NodeRejected", "error_from_rpc"]


class NodeRejected(ProtocolError):
    """The node refused a request for a reason that is not a contract revert."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


def _revert_bytes(data: Any) -> bytes | None:
    if isinstance(data, dict):  # some nodes nest it: {"data": "0x..."}
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    return None


def error_from_rpc(error: dict[str, Any], label: str) -> ProtocolError:
    """A revert becomes its ContractError subclass; funds and nonce problems get their own."""
    message = str(error.get("message", ""))
    code = error.get("code")
    revert = _revert_bytes(error.get("data"))
    lowered = message.lower()
    if revert is not None or "revert" in lowered:
        return decode_revert(revert or b"")
    if "insufficient funds" in lowered:
        return InsufficientFunds(
            f"{label}: the sender's ETH does not cover value plus gas ({message}); "
            "fund the account or lower the amount"
        )
    return NodeRejected(f"{label}: the node refused the request: {message}", code)
