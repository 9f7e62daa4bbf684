"""The one exception tree of ``protocol.ergo``: every error names the problem and the fix."""

from __future__ import annotations

__all__ = [
    "CompileError",
    "ContractSourceError",
    "ErgoError",
    "JvmError",
    "NodeError",
    "NodeNotFoundError",
    "NodeRejectedError",
    "SpendRejectedError",
    "TxBuildError",
]


class ErgoError(Exception):
    """Base class of every error raised by ``protocol.ergo``."""


class JvmError(ErgoError):
    """The JVM (needed only to compile ErgoScript) cannot be found or started."""


class ContractSourceError(ErgoError):
    """An ErgoScript source file is missing or unreadable."""


class CompileError(ErgoError):
    """The ErgoScript compiler (ergo-appkit) rejected a script."""


class TxBuildError(ErgoError):
    """A transaction cannot be built from the given boxes and terms."""


class SpendRejectedError(ErgoError):
    """The ErgoScript interpreter rejected a spend (a guarding script reduced to false)."""


class NodeError(ErgoError):
    """An Ergo node answered with an error or could not be reached."""


class NodeNotFoundError(NodeError):
    """The node does not know the requested box, transaction or block."""


class NodeRejectedError(NodeError):
    """The node refused a submitted transaction."""
