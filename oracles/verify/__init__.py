"""Pure, chain-free verifiers, one per job kind, and the registry that runs them.

Nothing here does I/O: the caller fetches results (oracles.result_fetch) and
chain data and passes bytes and numbers in a VerificationRequest.
"""

from oracles.verify.registry import VerifierRegistry, default_registry
from oracles.verify.report import Failure, FailureCode, VerificationReport
from oracles.verify.request import TimingPolicy, VerificationRequest

__all__ = [
    "Failure",
    "FailureCode",
    "TimingPolicy",
    "VerificationReport",
    "VerificationRequest",
    "VerifierRegistry",
    "default_registry",
]
