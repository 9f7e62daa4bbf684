"""The oracles package's one exception tree.

Raised errors mean "this oracle cannot judge the job" (bad input, missing
reference, unreachable result). A provider's fault is not an exception: the
verifiers return it as a failed VerificationReport, which leads to a Fault
verdict. Other oracle modules add their subclasses here.
"""

from __future__ import annotations

__all__ = [
    "DuplicateVerifier",
    "InvalidVerificationRequest",
    "OracleError",
    "ResultFetchError",
    "ResultHashMismatch",
    "ResultTooLarge",
    "ResultUnavailable",
    "SpecMismatch",
    "UnknownJobKind",
]


class OracleError(Exception):
    """Base of every error the oracle service raises."""


class InvalidVerificationRequest(OracleError, ValueError):
    """A verification request is incomplete or inconsistent; nothing was judged."""


class SpecMismatch(InvalidVerificationRequest):
    """The spec document does not hash to the job terms' ``spec``: fetch the right one."""


class UnknownJobKind(InvalidVerificationRequest):
    """No verifier is registered for the spec's ``kind``."""


class DuplicateVerifier(OracleError):
    """A second verifier was registered for a job kind that already has one."""


class ResultFetchError(OracleError):
    """A job result could not be fetched and checked against its committed hash."""


class ResultUnavailable(ResultFetchError):
    """The result URL did not answer 200 in time (connection, timeout or HTTP status)."""


class ResultTooLarge(ResultFetchError):
    """The result is larger than the configured limit; the download was stopped."""


class ResultHashMismatch(ResultFetchError):
    """The fetched bytes do not hash to the receipt's ``resultHash``."""
