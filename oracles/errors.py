"""The oracles package's one exception tree.

Raised errors mean "this oracle cannot judge the job" (bad input, missing
reference, unreachable result). A provider's fault is not an exception: the
verifiers return it as a failed VerificationReport, which leads to a Fault
verdict. Other oracle modules add their subclasses here.
"""

from __future__ import annotations

__all__ = [
    "BatchRefused",
    "ConflictingReceipt",
    "DuplicateVerifier",
    "InvalidPeerSignature",
    "InvalidSubmission",
    "InvalidVerificationRequest",
    "JobAlreadyClosed",
    "JobNotOnChain",
    "NotCommitteeMember",
    "OracleConfigError",
    "OracleError",
    "ResultFetchError",
    "ResultHashMismatch",
    "ResultTooLarge",
    "ResultUnavailable",
    "SpecMismatch",
    "StaleVerdictEpoch",
    "SubmissionRejected",
    "TxManagerError",
    "UnknownJobKind",
    "WriterLockHeld",
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


class OracleConfigError(OracleError):
    """The oracle's configuration (file, environment or flags) is unusable."""


class NotCommitteeMember(OracleError):
    """The oracle's key, or a peer's signer, is not a member of the current committee."""


class SubmissionRejected(OracleError):
    """A receipt submitted to this oracle was refused; nothing was stored."""


class InvalidSubmission(SubmissionRejected):
    """The submission contradicts itself: spec, job id, signature or URLs are wrong."""


class JobNotOnChain(SubmissionRejected):
    """The escrow has no job with these terms: open it (or check the terms) first."""


class JobAlreadyClosed(SubmissionRejected):
    """The job was settled, slashed or refunded already; there is nothing to judge."""


class ConflictingReceipt(SubmissionRejected):
    """Another receipt for this job was submitted first; the oracle judges that one."""


class InvalidPeerSignature(OracleError):
    """A peer's verdict signature does not recover to the member it claims to be from."""


class StaleVerdictEpoch(InvalidPeerSignature):
    """A verdict names a committee epoch that has not begun (earlier epochs are accepted)."""


class BatchRefused(OracleError):
    """This oracle will not co-sign a batch whose items differ from its own verdicts."""


class TxManagerError(OracleError):
    """The transaction manager cannot do what was asked."""


class WriterLockHeld(TxManagerError):
    """Another process is already sending transactions from this key with this database."""
