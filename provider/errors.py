"""The provider package's one exception tree.

A job that fails while it runs (overrun, out of memory, crash, refusal) is not
an exception: the executor returns it as a typed outcome so the agent keeps
serving. These errors mean the agent itself cannot do what it was asked.
"""

from __future__ import annotations

__all__ = [
    "AgentConfigError",
    "AgentError",
    "DeviceError",
    "DocumentUnavailable",
    "ExecutionError",
    "ForgeryError",
    "InvalidResultHash",
    "JobFailure",
    "JobOutOfMemory",
    "JobRefused",
    "ProviderError",
    "ReceiptError",
    "ResultCorrupt",
    "ResultNotFound",
    "ResultServerError",
    "ResultStoreError",
    "UnknownJobKind",
]


class ProviderError(Exception):
    """Base of every error the provider agent raises."""


class DeviceError(ProviderError):
    """The device could not be measured (benchmark failed or gave no usable figure)."""


class ExecutionError(ProviderError):
    """The executor could not start or supervise a job process (not a job failure)."""


class UnknownJobKind(ExecutionError, ValueError):
    """No runner is registered for the job's kind; register one or refuse the job."""


class JobFailure(ProviderError):
    """Raised by a job kind's code inside the job process: the job failed.

    The executor turns it into a Crashed outcome (subclasses into their own
    outcomes); it never reaches the agent's loop as an exception.
    """


class JobRefused(JobFailure):
    """The job cannot be run here (bad spec or inputs, missing engine or model)."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


class JobOutOfMemory(JobFailure):
    """The job needed more memory than its limit (for example a container killed at
    its --memory limit)."""


class ForgeryError(ProviderError, ValueError):
    """The cheat-mode forger cannot forge this result (unknown kind or strategy)."""


class ReceiptError(ProviderError, ValueError):
    """A receipt cannot be built: the job did not succeed, or its fields are out of range."""


class ResultStoreError(ProviderError):
    """The content-addressed result store cannot read or write a result."""


class InvalidResultHash(ResultStoreError, ValueError):
    """A result reference is not 0x followed by 64 lowercase or uppercase hex digits."""


class ResultNotFound(ResultStoreError, KeyError):
    """No result with this hash is stored here."""

    def __str__(self) -> str:
        # KeyError would quote the message; show it as written.
        return str(self.args[0]) if self.args else "result not found"


class ResultCorrupt(ResultStoreError):
    """A stored file no longer hashes to its name (disk corruption or tampering)."""


class ResultServerError(ProviderError):
    """The result HTTP server could not start or stop (port taken, startup timeout)."""


class AgentError(ProviderError):
    """The agent cannot serve: chain, matcher or stake problems it cannot work around."""


class AgentConfigError(AgentError, ValueError):
    """The agent's config file is missing, unreadable or has a bad setting."""


class DocumentUnavailable(AgentError):
    """A job's spec or input file could not be had from any document source by its hash."""
