"""Typed job specs: the JSON documents whose canonical hash is ``JobTerms.spec``.

``protocol.job_spec`` turns a spec into canonical bytes and a hash; this module
says which specs are valid and gives them types (docs/protocol-types.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from protocol.compute.container_spec import ContainerSpec, parse_container_spec
from protocol.compute.errors import InvalidJobSpec
from protocol.job_spec import spec_hash

__all__ = [
    "EMBEDDING_MODELS",
    "MATMUL_DTYPES",
    "MAX_EMBEDDING_COUNT",
    "MAX_MATMUL_N",
    "AnyJobSpec",
    "ContainerSpec",
    "EmbeddingsSpec",
    "JobSpec",
    "MatmulDtype",
    "MatmulSpec",
    "parse_spec",
]

# 8192^2 float32 is 256 MiB per matrix: the largest job a CPU verifier still
# regenerates and checks in seconds.
MAX_MATMUL_N = 8192
MAX_EMBEDDING_COUNT = 100_000

MatmulDtype = Literal["float32", "bfloat16", "float16"]
MATMUL_DTYPES: tuple[str, ...] = ("float32", "bfloat16", "float16")
EMBEDDING_MODELS: tuple[str, ...] = ("all-MiniLM-L6-v2",)

_Seed = Annotated[int, Field(ge=0, lt=2**64)]


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    def as_json(self) -> dict[str, Any]:
        """The JSON document (the form that is hashed)."""
        return self.model_dump(mode="json")

    def hash(self) -> bytes:
        return spec_hash(self.as_json())


class MatmulSpec(_Spec):
    """C = A @ B for n x n matrices A, B generated from seeds (protocol.compute.matrices)."""

    kind: Literal["matmul"]
    n: int = Field(ge=1, le=MAX_MATMUL_N)
    seed_a: _Seed
    seed_b: _Seed
    dtype: MatmulDtype


class EmbeddingsSpec(_Spec):
    """Embed ``count`` texts (the input file hashes to ``inputs_hash``) with ``model``."""

    kind: Literal["embeddings"]
    model: Literal["all-MiniLM-L6-v2"]
    inputs_hash: str = Field(pattern=r"^0x[0-9a-f]{64}$")
    count: int = Field(ge=1, le=MAX_EMBEDDING_COUNT)

    @property
    def inputs_digest(self) -> bytes:
        return bytes.fromhex(self.inputs_hash[2:])


JobSpec = Annotated[MatmulSpec | EmbeddingsSpec, Field(discriminator="kind")]
_JOB_SPEC: TypeAdapter[MatmulSpec | EmbeddingsSpec] = TypeAdapter(JobSpec)
# Every kind a job spec can name (container specs live in protocol.compute.container_spec).
AnyJobSpec = MatmulSpec | EmbeddingsSpec | ContainerSpec


def parse_spec(document: dict[str, Any]) -> AnyJobSpec:
    """Validate a spec JSON document; raises InvalidJobSpec naming the bad field."""
    if not isinstance(document, dict):
        raise InvalidJobSpec(f"a job spec is a JSON object, got {type(document).__name__}")
    kind = document.get("kind")
    if kind == "container":
        return parse_container_spec(document)
    if kind not in ("matmul", "embeddings"):
        raise InvalidJobSpec(
            f"job kind {kind!r} has no reference code; supported kinds: matmul, embeddings, "
            "container"
        )
    try:
        return _JOB_SPEC.validate_python(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'][1:]) or 'spec'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidJobSpec(f"invalid {kind} job spec: {problems}") from None
