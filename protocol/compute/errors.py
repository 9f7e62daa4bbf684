"""Errors of the shared job-compute code (inputs, reference execution, formats)."""

from __future__ import annotations

from protocol.errors import InvalidInput, ProtocolError

__all__ = [
    "ComputeError",
    "ContainerEngineError",
    "InvalidImageArchive",
    "InvalidJobSpec",
    "MalformedArray",
    "MalformedContainerResult",
    "MalformedInputs",
    "ModelUnavailable",
]


class ComputeError(ProtocolError):
    """Base of every error raised by ``protocol.compute``."""


class InvalidJobSpec(ComputeError, InvalidInput):
    """A job spec is not one this protocol version can run (kind, field or range)."""


class MalformedArray(ComputeError, InvalidInput):
    """Bytes are not the ``.npy`` array the job's format requires (shape, dtype, values)."""


class MalformedInputs(ComputeError, InvalidInput):
    """An embeddings job's input file does not decode, or does not match its spec."""


class ModelUnavailable(ComputeError):
    """A reference model cannot be loaded on this machine (package or library missing)."""


class MalformedContainerResult(ComputeError, InvalidInput):
    """Bytes are not a container result archive (members, manifest or hashes)."""


class ContainerEngineError(ComputeError):
    """No container engine can run here, or the engine failed outside the task."""


class InvalidImageArchive(ContainerEngineError, InvalidInput):
    """A consumer's image archive is not one OCI/Docker image, or not the one its spec names."""
