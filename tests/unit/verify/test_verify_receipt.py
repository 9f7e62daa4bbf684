"""Checks every kind shares: signature, job id, units, spec document."""

from __future__ import annotations

import pytest
from verify_helpers import MATMUL_SPEC, OTHER_KEY, PROVIDER_KEY, SECRET, matmul_job, matmul_request

from oracles.errors import InvalidVerificationRequest, SpecMismatch, UnknownJobKind
from oracles.verify.registry import VerifierRegistry
from oracles.verify.report import FailureCode
from protocol.typed_data import Outcome, Receipt
from tools.sim.jobs import SimJob, sign_receipt

_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def test_an_honest_receipt_passes_and_releases_its_units(registry: VerifierRegistry) -> None:
    report = registry.verify(matmul_request())
    assert report.passed, report.failures
    assert report.outcome == Outcome.RELEASE
    assert report.units == 1
    assert report.facts["freivalds_vectors"] == 20


def test_a_receipt_signed_by_another_key_is_a_fault(registry: VerifierRegistry) -> None:
    report = registry.verify(matmul_request(signer_key=OTHER_KEY))
    assert report.has(FailureCode.BAD_SIGNATURE)
    assert report.outcome == Outcome.FAULT


def test_a_malleated_high_s_signature_is_a_fault(registry: VerifierRegistry) -> None:
    honest = matmul_request()
    sig = honest.signature
    s = int.from_bytes(sig[32:64], "big")
    flipped = sig[:32] + (_N - s).to_bytes(32, "big") + bytes([55 - sig[64]])
    report = registry.verify(honest.model_copy(update={"signature": flipped}))
    assert [f.code for f in report.failures] == [FailureCode.BAD_SIGNATURE]
    assert "malleable" in report.failures[0].detail


def test_a_receipt_for_another_job_is_a_fault(registry: VerifierRegistry) -> None:
    honest = matmul_request()
    other = matmul_job(seed_a=99)
    receipt = Receipt(**{**honest.receipt.model_dump(), "job_id": other.job_id})
    signature = sign_receipt(honest.domain, receipt, PROVIDER_KEY)
    report = registry.verify(honest.model_copy(update={"receipt": receipt, "signature": signature}))
    assert [f.code for f in report.failures] == [FailureCode.WRONG_JOB]


def test_units_above_the_whole_job_are_a_fault(registry: VerifierRegistry) -> None:
    report = registry.verify(matmul_request(units=2))
    assert [f.code for f in report.failures] == [FailureCode.UNITS_ABOVE_SPEC]


def test_units_above_the_budget_are_a_fault(registry: VerifierRegistry) -> None:
    # n = 2048 is 18 GFLOP units; the budget pays for 10.
    small_budget = SimJob({**MATMUL_SPEC, "n": 2048}, provider_key=PROVIDER_KEY, max_units=10)
    report = registry.verify(
        matmul_request(job=small_budget, units=12, result=b"x", units_per_second=1000.0)
    )
    codes = {f.code for f in report.failures}
    assert FailureCode.UNITS_ABOVE_BUDGET in codes
    assert FailureCode.UNITS_ABOVE_SPEC not in codes


def test_the_wrong_spec_document_is_our_problem_not_a_fault(registry: VerifierRegistry) -> None:
    honest = matmul_request()
    with pytest.raises(SpecMismatch, match="commit to"):
        registry.verify(honest.model_copy(update={"spec": {**honest.spec, "seed_b": 5}}))


def test_unknown_kinds_are_refused(registry: VerifierRegistry) -> None:
    honest = matmul_request()
    with pytest.raises(UnknownJobKind, match="container, embeddings, matmul"):
        registry.verify(honest.model_copy(update={"spec": {"kind": "quantum"}}))


def test_a_job_whose_own_spec_is_invalid_is_refused(registry: VerifierRegistry) -> None:
    job = matmul_job(dtype="int4")
    with pytest.raises(InvalidVerificationRequest, match="dtype"):
        registry.verify(matmul_request(job=job, result=b"", units=1))


def test_the_request_model_refuses_a_short_secret() -> None:
    with pytest.raises(ValueError, match="secret"):
        matmul_request(secret=SECRET[:8])
