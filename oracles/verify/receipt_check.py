"""Checks every job kind shares: the receipt is the provider's, for this job,
and claims no more units than the job, the budget and the hardware allow."""

from __future__ import annotations

from oracles.errors import SpecMismatch
from oracles.verify.report import Failure, FailureCode
from oracles.verify.request import VerificationRequest
from oracles.verify.timing import check_timing
from protocol.errors import SignatureError
from protocol.job_spec import spec_hash
from protocol.typed_data import job_id, receipt_digest, recover_signer

__all__ = ["check_receipt", "check_signature", "ensure_spec_matches"]


def ensure_spec_matches(request: VerificationRequest) -> None:
    """The spec document must be the one the terms commit to; otherwise this
    oracle was handed the wrong document and cannot judge the provider."""
    found = spec_hash(request.spec)
    if found != request.terms.spec:
        raise SpecMismatch(
            f"spec document hashes to 0x{found.hex()}, the job terms commit to "
            f"0x{request.terms.spec.hex()}; fetch the spec the consumer opened the job with"
        )


def check_signature(request: VerificationRequest) -> list[Failure]:
    digest = receipt_digest(request.domain, request.receipt)
    try:
        signer = recover_signer(digest, request.signature)
    except SignatureError as exc:
        return [Failure(code=FailureCode.BAD_SIGNATURE, detail=str(exc))]
    if signer != request.terms.provider:
        return [
            Failure(
                code=FailureCode.BAD_SIGNATURE,
                detail=f"receipt signed by {signer}, not the job's provider "
                f"{request.terms.provider}",
            )
        ]
    return []


def check_receipt(request: VerificationRequest, job_units: int) -> list[Failure]:
    """All receipt-level failures; ``job_units`` is what the whole job is worth."""
    receipt, terms = request.receipt, request.terms
    failures: list[Failure] = []
    expected_id = job_id(terms)
    if receipt.job_id != expected_id:
        failures.append(
            Failure(
                code=FailureCode.WRONG_JOB,
                detail=f"receipt is for job 0x{receipt.job_id.hex()}, "
                f"the terms give 0x{expected_id.hex()}",
            )
        )
    failures += check_signature(request)
    if receipt.units > job_units:
        failures.append(
            Failure(
                code=FailureCode.UNITS_ABOVE_SPEC,
                detail=f"receipt claims {receipt.units} units, the whole job is {job_units}",
            )
        )
    if receipt.units > terms.max_units:
        failures.append(
            Failure(
                code=FailureCode.UNITS_ABOVE_BUDGET,
                detail=f"receipt claims {receipt.units} units, "
                f"the budget pays for {terms.max_units}",
            )
        )
    failures += check_timing(
        receipt,
        units_per_second=request.units_per_second,
        accepted_at=request.accepted_at,
        deadline=terms.deadline,
        policy=request.timing,
    )
    return failures
