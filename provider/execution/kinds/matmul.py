"""The ``matmul`` kind: C = A @ B with A and B generated from the spec's seeds.

Inputs and the CPU product come from ``protocol.compute.matrices``, the same
code the verifiers run. On a CUDA device the product is taken with torch in
the spec's dtype and rounded back exactly as the reference rounds it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from protocol.compute.matrices import job_matrices, reference_product
from protocol.compute.npy_codec import encode_npy
from protocol.compute.rounding import round_to_dtype
from protocol.compute.specs import MatmulSpec
from protocol.compute.units import spec_units
from provider.execution.job import RunContext
from provider.execution.kind import JobKind
from provider.execution.kinds.typed_spec import typed_spec

__all__ = ["MATMUL", "run_matmul", "torch_product"]


def torch_product(spec: MatmulSpec, device: str) -> NDArray[np.float32]:
    """C in the spec's dtype computed by torch on ``device`` ("cuda", or "cpu" to test)."""
    import torch

    dtypes = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    a, b = job_matrices(spec)
    # Generated entries are exact in the spec's dtype, so this cast loses nothing.
    left = torch.from_numpy(a).to(device=device, dtype=dtypes[spec.dtype])
    right = torch.from_numpy(b).to(device=device, dtype=dtypes[spec.dtype])
    product = (left @ right).to(torch.float32).cpu().numpy()
    return round_to_dtype(product, spec.dtype)


def run_matmul(context: RunContext) -> bytes:
    spec = typed_spec(context.spec, MatmulSpec)
    if context.device == "cuda":
        return encode_npy(torch_product(spec, "cuda"))
    return encode_npy(reference_product(spec))


def _validate(document: dict[str, Any], inputs: bytes | None) -> None:
    typed_spec(document, MatmulSpec)


def _units(document: dict[str, Any], wall_seconds: float) -> int:
    return spec_units(typed_spec(document, MatmulSpec))


MATMUL = JobKind(name="matmul", run=run_matmul, validate=_validate, units=_units)
