"""Freivalds' check of C = A @ B with float tolerance bands.

For k random sign vectors x (the columns of X) it computes the residual
r = A (B x) - C x in O(k n^2) and compares every entry with a band tol_i that
bounds what honest rounding can produce in row i.

Why the band has this shape. Write C = AB + E, where E is the provider's
rounding error; then r_i = -(E x)_i plus the verifier's own float32 rounding.
Rounding errors behave like independent zero-mean variables of relative size at
most eps (variance <= eps^2 / 3 for errors uniform on [-eps, eps]: round-to-
nearest and truncation both fit), the model behind probabilistic error
analysis of dot products (Higham & Mary, SIAM J. Sci. Comput. 2019). Summing
variances, and bounding partial sums with Cauchy-Schwarz, var(r_i) is at most
(1/3) times the sum of:

  eps_in^2  (M^2 |y|^2 + |A_i|^2 max_l |B_l|^2)   inputs rounded before the
            product (TF32 tensor cores), M = max |a_ij|, y = B x;
  eps_acc^2 (n+1) |A_i|^2 |B|_F^2                 the provider's float32 sums;
  eps_out^2 |C_i|^2                               C rounded to its format;
  u^2 (n+1) (n |A_i|^2 max_l |B_l|^2 + |A_i|^2 |y|^2 + n |C_i|^2)
                                                  the verifier's float32 B x,
                                                  A y and C x (u = 2^-24).

tol_i = tau * sqrt(var), tau = 10: an honest residual beyond 10 standard
deviations of an upper-bound variance does not happen (the honest-noise tests
and the 1,000-job simulation see at most a few tenths of the band).

Why a wrong C is caught. If some entry C_ij is off by more than tol_i, pair each
sign vector x with the one that flips x_j: the two residuals differ by
2 |E_ij| > 2 tol_i, so at least one of them is outside the band. Each vector
therefore catches the error with probability >= 1/2, and k independent vectors
with probability >= 1 - 2^-k.

|C_i| comes from the provider's own C, so a forger could widen its band by
inflating C; but the inflation itself is error of size |C_i| against a band
of eps_out |C_i| tau / sqrt(3) << |C_i|, so it only gets caught.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "PRECISION_BY_DTYPE",
    "TAU",
    "FreivaldsOutcome",
    "PrecisionModel",
    "freivalds_check",
    "sign_vectors",
]

TAU = 10.0
_U32 = 2.0**-24


@dataclass(frozen=True)
class PrecisionModel:
    """Largest relative rounding errors an honest provider may introduce."""

    eps_inputs: float  # on each input entry before the product (TF32 tensor cores)
    eps_accumulate: float  # on each partial sum (float32 accumulation)
    eps_output: float  # on each entry of C when it is stored


# Twice the unit roundoff of each format, so truncating hardware passes too.
PRECISION_BY_DTYPE: dict[str, PrecisionModel] = {
    # float32 jobs may run on TF32 tensor cores (10-bit mantissa inputs, float32 sums).
    "float32": PrecisionModel(eps_inputs=2.0**-10, eps_accumulate=2.0**-23, eps_output=2.0**-23),
    # bfloat16/float16 inputs are generated exactly representable; sums are float32,
    # and C is rounded to the job's dtype.
    "bfloat16": PrecisionModel(eps_inputs=0.0, eps_accumulate=2.0**-23, eps_output=2.0**-7),
    "float16": PrecisionModel(eps_inputs=0.0, eps_accumulate=2.0**-23, eps_output=2.0**-10),
}


@dataclass(frozen=True)
class FreivaldsOutcome:
    vectors: int
    max_ratio: float  # worst |r| / tol over rows and vectors; > 1 means caught
    rows_outside: int  # (row, vector) pairs outside the band
    worst_row: int
    median_band: float  # a typical tol_i: entry errors above it are caught

    @property
    def passed(self) -> bool:
        return self.rows_outside == 0


def sign_vectors(rng: np.random.Generator, n: int, k: int) -> NDArray[np.float32]:
    """k random +-1 vectors as the columns of an (n, k) float32 matrix."""
    signs = rng.integers(0, 2, size=(n, k), dtype=np.int8)
    return (signs * 2 - 1).astype(np.float32)


def _row_sq_norms(m: NDArray[np.float32]) -> NDArray[np.float64]:
    # Summed in float32 (5x faster than casting the matrix): a relative error of
    # ~1e-4 in a norm moves the band by less than that, against a tau of 10.
    norms: NDArray[np.float32] = np.einsum("ij,ij->i", m, m)
    return norms.astype(np.float64)


def freivalds_check(
    a: NDArray[np.float32],
    b: NDArray[np.float32],
    c: NDArray[np.float32],
    x: NDArray[np.float32],
    precision: PrecisionModel,
    *,
    input_bound: float,
    tau: float = TAU,
) -> FreivaldsOutcome:
    """Check C = A @ B against the sign vectors in ``x`` (see the module doc)."""
    n = a.shape[0]
    y = b @ x
    residual = (a @ y - c @ x).astype(np.float64)

    a2 = _row_sq_norms(a)[:, None]
    b2 = _row_sq_norms(b)
    c2 = _row_sq_norms(c)[:, None]
    y2 = np.einsum("ij,ij->j", y, y, dtype=np.float64)[None, :]
    b2_max, b_frob2 = float(b2.max()), float(b2.sum())

    variance = (
        precision.eps_inputs**2 * (input_bound**2 * y2 + a2 * b2_max)
        + precision.eps_accumulate**2 * (n + 1) * a2 * b_frob2
        + precision.eps_output**2 * c2
        + _U32**2 * (n + 1) * (n * a2 * b2_max + a2 * y2 + n * c2)
    ) / 3.0
    band = tau * np.sqrt(variance)
    band = np.maximum(band, np.finfo(np.float64).tiny)
    ratio = np.abs(residual) / band
    worst = int(np.argmax(ratio))
    return FreivaldsOutcome(
        vectors=x.shape[1],
        max_ratio=float(ratio.flat[worst]),
        rows_outside=int(np.count_nonzero(ratio > 1.0)),
        worst_row=worst // x.shape[1],
        median_band=float(np.median(band)),
    )
