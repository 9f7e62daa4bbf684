"""The torch product the matmul kind uses on a CUDA device, run here on torch's
CPU device (no GPU on this machine): same inputs, same rounding as the reference."""

from __future__ import annotations

import numpy as np
import pytest

from protocol.compute.matrices import reference_product
from protocol.compute.rounding import round_to_dtype
from protocol.compute.specs import MatmulSpec
from provider.execution.kinds.matmul import torch_product


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
def test_torch_product_matches_the_reference_within_the_dtype(dtype: str) -> None:
    spec = MatmulSpec(kind="matmul", n=48, seed_a=5, seed_b=6, dtype=dtype)  # type: ignore[arg-type]

    product = torch_product(spec, "cpu")
    reference = reference_product(spec)

    assert product.shape == (48, 48)
    assert product.dtype == np.float32
    # Every entry is a value of the spec's dtype (rounding again changes nothing).
    np.testing.assert_array_equal(round_to_dtype(product, dtype), product)
    # Accumulation order differs from numpy's: allow one ulp of the dtype at |C| ~ 10.
    tolerance = {"float32": 1e-5, "bfloat16": 0.0625, "float16": 0.0078125}[dtype]
    assert np.abs(product - reference).max() <= tolerance
