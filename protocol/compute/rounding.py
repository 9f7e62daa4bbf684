"""Rounding float32 values to the narrower formats GPUs compute in.

NumPy has no bfloat16, so bfloat16 values are kept in float32 arrays whose low
16 mantissa bits are zero (exactly representable either way).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["round_to_bfloat16", "round_to_dtype", "unit_roundoff"]

# Unit roundoff u = 2^-(mantissa bits + 1): round-to-nearest errs by at most u relative.
_UNIT_ROUNDOFF = {
    "float32": 2.0**-24,
    "bfloat16": 2.0**-8,
    "float16": 2.0**-11,
    "tf32": 2.0**-11,
}


def unit_roundoff(fmt: str) -> float:
    return _UNIT_ROUNDOFF[fmt]


def round_to_bfloat16(values: NDArray[np.float32]) -> NDArray[np.float32]:
    """Round-to-nearest-even to bfloat16, returned as float32."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    # Add 0x7FFF plus the lowest kept bit, then clear the 16 dropped bits (ties to even).
    rounded = (bits + (np.uint32(0x7FFF) + ((bits >> 16) & np.uint32(1)))) & np.uint32(0xFFFF0000)
    return rounded.view(np.float32)


def round_to_dtype(values: NDArray[np.float32], dtype: str) -> NDArray[np.float32]:
    """Values of ``dtype`` (float32, bfloat16 or float16), as float32."""
    if dtype == "float32":
        return np.asarray(values, dtype=np.float32)
    if dtype == "bfloat16":
        return round_to_bfloat16(values)
    if dtype == "float16":
        return np.asarray(values, dtype=np.float16).astype(np.float32)
    raise ValueError(f"no rounding for dtype {dtype!r}; use float32, bfloat16 or float16")
