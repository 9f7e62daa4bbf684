"""The ``matmul`` verifier: Freivalds' check of the provider's C.

Result format: C as ``.npy`` bytes, shape (n, n), float32 (float16/float64
accepted), in the job's dtype's precision (protocol.compute.npy_codec).
"""

from __future__ import annotations

import numpy as np

from oracles.errors import InvalidVerificationRequest
from oracles.verify.freivalds import PRECISION_BY_DTYPE, TAU, freivalds_check, sign_vectors
from oracles.verify.randomness import verifier_rng
from oracles.verify.report import FailureCode, KindCheck
from oracles.verify.request import VerificationRequest
from protocol.compute.errors import MalformedArray
from protocol.compute.matrices import INPUT_BOUND, job_matrices
from protocol.compute.npy_codec import decode_npy
from protocol.compute.specs import AnyJobSpec, MatmulSpec

__all__ = ["DEFAULT_VECTORS", "MatmulVerifier"]

# A wrong entry outside the band survives k vectors with probability <= 2^-k.
DEFAULT_VECTORS = 20


class MatmulVerifier:
    kind = "matmul"

    def __init__(self, vectors: int = DEFAULT_VECTORS, tau: float = TAU) -> None:
        if vectors < 1:
            raise ValueError(f"Freivalds needs at least one vector, got {vectors}")
        self.vectors = vectors
        self.tau = tau

    def check(self, spec: AnyJobSpec, request: VerificationRequest) -> KindCheck:
        if not isinstance(spec, MatmulSpec):
            raise InvalidVerificationRequest(f"matmul verifier given a {spec.kind} spec")
        n = spec.n
        try:
            c = decode_npy(request.result, (n, n)).astype(np.float32, copy=False)
        except MalformedArray as exc:
            return KindCheck.fail(FailureCode.MALFORMED_RESULT, str(exc))
        a, b = job_matrices(spec)
        rng = verifier_rng(
            request.secret, request.receipt.job_id, request.receipt.result_hash, "matmul-freivalds"
        )
        outcome = freivalds_check(
            a,
            b,
            c,
            sign_vectors(rng, n, self.vectors),
            PRECISION_BY_DTYPE[spec.dtype],
            input_bound=INPUT_BOUND,
            tau=self.tau,
        )
        facts: dict[str, float | int | str] = {
            "freivalds_vectors": outcome.vectors,
            "freivalds_max_ratio": outcome.max_ratio,
            "freivalds_median_band": outcome.median_band,
        }
        if outcome.passed:
            return KindCheck(facts=facts)
        detail = (
            f"A(Bx) - Cx is outside the rounding band in {outcome.rows_outside} of "
            f"{n * outcome.vectors} (row, vector) pairs; worst row {outcome.worst_row} at "
            f"{outcome.max_ratio:.3g}x the band"
        )
        return KindCheck.fail(FailureCode.WRONG_RESULT, detail, facts)
