"""Stand-ins for the rounding a GPU adds, since no GPU runs here (named fakes).

Tensor cores round float32 inputs to TF32 (10 explicit mantissa bits) by
round-to-nearest or truncation and sum in float32; bfloat16 kernels round
their output. These helpers reproduce those roundings bit for bit on the CPU so
tests and simulations can show honest GPU noise passes the verifiers.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from protocol.compute.rounding import round_to_bfloat16

__all__ = [
    "fake_gpu_embeddings",
    "fake_tf32_product",
    "truncate_mantissa",
]


def truncate_mantissa(values: NDArray[np.float32], kept_bits: int) -> NDArray[np.float32]:
    """Drop all but ``kept_bits`` explicit mantissa bits (round toward zero)."""
    mask = np.uint32((0xFFFFFFFF << (23 - kept_bits)) & 0xFFFFFFFF)
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32) & mask
    return bits.view(np.float32)


def _round_mantissa(values: NDArray[np.float32], kept_bits: int) -> NDArray[np.float32]:
    """Round-to-nearest-even to ``kept_bits`` explicit mantissa bits."""
    drop = 23 - kept_bits
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    half = np.uint32((1 << (drop - 1)) - 1)
    lowest_kept = (bits >> np.uint32(drop)) & np.uint32(1)
    mask = np.uint32((0xFFFFFFFF << drop) & 0xFFFFFFFF)
    return ((bits + half + lowest_kept) & mask).view(np.float32)


def fake_tf32_product(
    a: NDArray[np.float32], b: NDArray[np.float32], *, truncate: bool = False
) -> NDArray[np.float32]:
    """A @ B as a TF32 tensor core computes it: inputs cut to 10 mantissa bits,
    products summed in float32."""
    cut = truncate_mantissa if truncate else _round_mantissa
    return cut(a, 10) @ cut(b, 10)


def fake_gpu_embeddings(
    reference: NDArray[np.float32], rng: np.random.Generator, *, relative_noise: float = 1e-3
) -> NDArray[np.float32]:
    """Reference embeddings with the noise a half-precision GPU run shows
    (cosine to the reference about 1 - noise^2/2), rounded through bfloat16."""
    noisy = reference + rng.normal(
        0.0, relative_noise / np.sqrt(reference.shape[1]), reference.shape
    )
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    return round_to_bfloat16(noisy.astype(np.float32))
