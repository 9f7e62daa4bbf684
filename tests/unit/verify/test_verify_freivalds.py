"""Freivalds with tolerance bands: honest float noise passes, wrong C fails."""

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from oracles.verify.freivalds import PRECISION_BY_DTYPE, freivalds_check, sign_vectors
from protocol.compute.matrices import INPUT_BOUND, job_matrices
from protocol.compute.rounding import round_to_dtype
from protocol.compute.specs import MatmulSpec
from tools.sim.gpu_noise import fake_tf32_product, truncate_mantissa

Matrix = NDArray[np.float32]
_SPEC = {"kind": "matmul", "seed_a": 11, "seed_b": 12}


def _inputs(n: int, dtype: str) -> tuple[Matrix, Matrix]:
    return job_matrices(MatmulSpec.model_validate({**_SPEC, "n": n, "dtype": dtype}))


def _check(a: Matrix, b: Matrix, c: Matrix, dtype: str, k: int = 20, seed: int = 0) -> float:
    x = sign_vectors(np.random.default_rng(seed), a.shape[0], k)
    return freivalds_check(a, b, c, x, PRECISION_BY_DTYPE[dtype], input_bound=INPUT_BOUND).max_ratio


def _sequential_float32(a: Matrix, b: Matrix) -> Matrix:
    """Plain left-to-right float32 sums: the worst summation order there is."""
    c = np.zeros((a.shape[0], b.shape[1]), dtype=np.float32)
    for k in range(a.shape[1]):
        c += np.outer(a[:, k], b[k, :])
    return c


def _honest_float32_results(a: Matrix, b: Matrix) -> dict[str, Matrix]:
    exact = a.astype(np.float64) @ b.astype(np.float64)
    results = {
        "float32 BLAS": a @ b,
        "float64 reference rounded": exact.astype(np.float32),
        "TF32 round-to-nearest": fake_tf32_product(a, b),
        "TF32 truncating": fake_tf32_product(a, b, truncate=True),
    }
    if a.shape[0] <= 256:
        results["float32 sequential sums"] = _sequential_float32(a, b)
    return results


@pytest.mark.parametrize("n", [1, 2, 17, 64, 256, 1024])
def test_honest_float32_noise_passes_with_margin(n: int) -> None:
    a, b = _inputs(n, "float32")
    for name, c in _honest_float32_results(a, b).items():
        ratio = _check(a, b, c, "float32")
        assert ratio < 0.5, f"{name} at n={n} used {ratio:.2f} of the band"


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("n", [3, 64, 512])
def test_honest_half_precision_outputs_pass(dtype: str, n: int) -> None:
    a, b = _inputs(n, dtype)
    mantissa_bits = 7 if dtype == "bfloat16" else 10
    for name, c in {
        "rounded to nearest": round_to_dtype(a @ b, dtype),
        "truncated": truncate_mantissa(a @ b, mantissa_bits),
        "TF32 inputs then rounded": round_to_dtype(fake_tf32_product(a, b), dtype),
    }.items():
        ratio = _check(a, b, c, dtype)
        assert ratio < 0.5, f"{dtype} {name} at n={n} used {ratio:.2f} of the band"


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
@pytest.mark.parametrize("n", [2, 64, 512])
def test_one_entry_off_by_more_than_the_band_is_caught(dtype: str, n: int) -> None:
    a, b = _inputs(n, dtype)
    honest = round_to_dtype(a @ b, dtype)
    x = sign_vectors(np.random.default_rng(1), n, 20)
    precision = PRECISION_BY_DTYPE[dtype]
    band = freivalds_check(a, b, honest, x, precision, input_bound=INPUT_BOUND).median_band
    wrong = honest.copy()
    row, col = n // 2, n - 1
    wrong[row, col] += 2 * band
    outcome = freivalds_check(a, b, wrong, x, precision, input_bound=INPUT_BOUND)
    assert not outcome.passed
    assert outcome.worst_row == row


def test_a_flipped_sign_in_one_typical_float32_entry_is_caught() -> None:
    a, b = _inputs(256, "float32")
    c = a @ b
    row, col = 100, 200
    c[row, col] = -c[row, col] if abs(c[row, col]) > 2 else c[row, col] + 4
    assert _check(a, b, c, "float32") > 1


def test_each_vector_catches_a_cancelling_pair_half_the_time() -> None:
    # Freivalds' worst case: +d and -d in one row cancel whenever the two signs
    # agree, so one vector catches it with probability 1/2 and twenty vectors
    # with probability 1 - 2^-20.
    a, b = _inputs(64, "float32")
    honest = a @ b
    probe = freivalds_check(
        a, b, honest, np.ones((64, 1), np.float32), PRECISION_BY_DTYPE["float32"], input_bound=1
    )
    wrong = honest.copy()
    wrong[5, 9] += 2 * probe.median_band
    wrong[5, 40] -= 2 * probe.median_band
    caught_by_one = [_check(a, b, wrong, "float32", k=1, seed=s) > 1 for s in range(400)]
    assert 0.4 < np.mean(caught_by_one) < 0.6
    assert all(_check(a, b, wrong, "float32", k=20, seed=s) > 1 for s in range(100))


@pytest.mark.parametrize(
    "forge",
    [
        lambda a, b, c: np.zeros_like(c),
        lambda a, b, c: c.T.copy(),
        lambda a, b, c: np.random.default_rng(0).uniform(-1, 1, c.shape).astype(np.float32),
        lambda a, b, c: b @ a,
        lambda a, b, c: np.vstack([c[:-1], np.zeros((1, c.shape[1]), np.float32)]),
        lambda a, b, c: c * np.float32(1.01),
    ],
    ids=["zeros", "transposed", "random", "b_times_a", "last_row_zeroed", "scaled_1pct"],
)
def test_forged_products_fail(forge: Callable[[Matrix, Matrix, Matrix], Matrix]) -> None:
    a, b = _inputs(128, "float32")
    assert _check(a, b, forge(a, b, a @ b), "float32") > 1
