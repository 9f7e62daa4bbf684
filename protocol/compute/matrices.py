"""The matmul job's inputs, generated from seeds, and its reference product.

Both the provider agent and the verifiers call these, so a job's A and B are
the same bytes everywhere: NumPy's PCG64 seeded with the spec's seed, float32
uniform on [-1, 1), then rounded to the spec's dtype. Every entry is therefore
exactly representable in the spec's dtype and bounded by ``INPUT_BOUND``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from protocol.compute.rounding import round_to_dtype
from protocol.compute.specs import MatmulSpec

__all__ = ["INPUT_BOUND", "job_matrices", "matrix_from_seed", "reference_product"]

# |a_ij| <= 1 for every generated entry; verifiers use it in their error bounds.
INPUT_BOUND = 1.0


def matrix_from_seed(seed: int, n: int, dtype: str) -> NDArray[np.float32]:
    """An n x n matrix, uniform on [-1, 1), exactly representable in ``dtype``."""
    rng = np.random.Generator(np.random.PCG64(seed))
    values = rng.random((n, n), dtype=np.float32)
    # x in [0, 1) has 24 significant bits at most, so 2x - 1 is exact in float32.
    values *= 2.0
    values -= 1.0
    return round_to_dtype(values, dtype)


def job_matrices(spec: MatmulSpec) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    return (
        matrix_from_seed(spec.seed_a, spec.n, spec.dtype),
        matrix_from_seed(spec.seed_b, spec.n, spec.dtype),
    )


def reference_product(spec: MatmulSpec) -> NDArray[np.float32]:
    """C = A @ B accumulated in float32 and stored in the spec's dtype (as float32),
    as a CPU provider computes it."""
    a, b = job_matrices(spec)
    return round_to_dtype(a @ b, spec.dtype)
