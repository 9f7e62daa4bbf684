"""The matmul verifier end to end on a VerificationRequest."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from verify_helpers import MATMUL_SPEC, SECRET, matmul_job, matmul_request

from oracles.verify.matmul import MatmulVerifier
from oracles.verify.registry import VerifierRegistry
from oracles.verify.report import FailureCode
from protocol.compute.matrices import job_matrices
from protocol.compute.npy_codec import encode_npy
from protocol.compute.rounding import round_to_bfloat16
from protocol.compute.specs import MatmulSpec
from tools.sim.gpu_noise import fake_tf32_product


def _inputs(**overrides: object) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    return job_matrices(MatmulSpec.model_validate({**MATMUL_SPEC, **overrides}))


def test_tf32_result_stored_as_float64_passes(registry: VerifierRegistry) -> None:
    a, b = _inputs()
    report = registry.verify(matmul_request(encode_npy(fake_tf32_product(a, b).astype(np.float64))))
    assert report.passed, report.failures
    assert 0 <= float(report.facts["freivalds_max_ratio"]) < 0.5


def test_bfloat16_job_with_bfloat16_output_passes(registry: VerifierRegistry) -> None:
    job = matmul_job(dtype="bfloat16")
    a, b = _inputs(dtype="bfloat16")
    report = registry.verify(matmul_request(encode_npy(round_to_bfloat16(a @ b)), job=job))
    assert report.passed, report.failures


def test_a_wrong_product_is_a_fault_naming_the_check(registry: VerifierRegistry) -> None:
    a, b = _inputs()
    c = a @ b
    c[7, 3] += 5.0
    report = registry.verify(matmul_request(encode_npy(c)))
    assert [f.code for f in report.failures] == [FailureCode.WRONG_RESULT]
    assert "worst row 7" in report.failures[0].detail


@pytest.mark.parametrize(
    "result",
    [
        b"garbage",
        encode_npy(np.zeros((95, 96), np.float32)),
        encode_npy(np.zeros((96, 96), np.int32)),
        encode_npy(np.full((96, 96), np.nan, np.float32)),
    ],
    ids=["not_npy", "wrong_shape", "int_dtype", "nan"],
)
def test_malformed_results_are_a_fault(registry: VerifierRegistry, result: bytes) -> None:
    report = registry.verify(matmul_request(result))
    assert [f.code for f in report.failures] == [FailureCode.MALFORMED_RESULT]


def test_vectors_depend_on_the_secret_so_the_provider_cannot_aim_at_them() -> None:
    # Two cancelling wrong entries checked with one vector: different oracle
    # secrets draw different vectors and so reach different verdicts.
    a, b = _inputs()
    c = a @ b
    verifier = MatmulVerifier(vectors=1)
    honest_band = verifier.check(MatmulSpec(**MATMUL_SPEC), matmul_request(encode_npy(c))).facts[
        "freivalds_median_band"
    ]
    c[10, 20] += 2 * float(honest_band)
    c[10, 21] -= 2 * float(honest_band)
    request = matmul_request(encode_npy(c))
    verdicts = {
        verifier.check(
            MatmulSpec(**MATMUL_SPEC), request.model_copy(update={"secret": bytes([i]) * 32})
        ).failures
        != ()
        for i in range(40)
    }
    assert verdicts == {True, False}
    assert SECRET not in {bytes([i]) * 32 for i in range(40)}


def test_at_least_one_vector_is_required() -> None:
    with pytest.raises(ValueError, match="at least one"):
        MatmulVerifier(vectors=0)
