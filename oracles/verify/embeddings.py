"""The ``embeddings`` verifier: every row a unit vector, and a secret random
sample of rows re-embedded with the reference model agrees in cosine.

Result format: ``.npy`` bytes, shape (count, dim) (dim = 384 for
all-MiniLM-L6-v2), float32 (float16/float64 accepted), row i the embedding of
input text i. Sample rows come from oracles.verify.randomness, so the provider
cannot know them when it commits its result hash; a result with a fraction f
of wrong rows survives a sample of s rows with probability about (1 - f)^s.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from oracles.errors import InvalidVerificationRequest
from oracles.verify.randomness import verifier_rng
from oracles.verify.report import FailureCode, KindCheck
from oracles.verify.request import VerificationRequest
from protocol.compute.embedding_inputs import decode_inputs
from protocol.compute.embedding_model import Embedder, load_embedder
from protocol.compute.errors import MalformedArray, MalformedInputs
from protocol.compute.npy_codec import decode_npy
from protocol.compute.specs import AnyJobSpec, EmbeddingsSpec

__all__ = ["EmbeddingsVerifier"]

# Honest half-precision GPU runs of MiniLM give cosine >= 0.9995 to the float32
# reference; two near-duplicate sentences ("... dog 0" / "... dog 1") give 0.96.
DEFAULT_MIN_COSINE = 0.99
# Normalised rows: float16 storage alone moves the norm by ~1e-3.
DEFAULT_NORM_TOLERANCE = 0.01
DEFAULT_SAMPLE_SIZE = 16


class EmbeddingsVerifier:
    kind = "embeddings"

    def __init__(
        self,
        *,
        sample_size: int = DEFAULT_SAMPLE_SIZE,
        min_cosine: float = DEFAULT_MIN_COSINE,
        norm_tolerance: float = DEFAULT_NORM_TOLERANCE,
        embedder_loader: Callable[[str], Embedder] = load_embedder,
    ) -> None:
        if sample_size < 1:
            raise ValueError(f"sample_size must be at least 1, got {sample_size}")
        self.sample_size = sample_size
        self.min_cosine = min_cosine
        self.norm_tolerance = norm_tolerance
        self._load = embedder_loader

    def check(self, spec: AnyJobSpec, request: VerificationRequest) -> KindCheck:
        if not isinstance(spec, EmbeddingsSpec):
            raise InvalidVerificationRequest(f"embeddings verifier given a {spec.kind} spec")
        if request.inputs is None:
            raise InvalidVerificationRequest(
                "an embeddings job needs its input file: pass the bytes that hash to "
                f"{spec.inputs_hash} as `inputs`"
            )
        try:
            texts = decode_inputs(request.inputs, spec)
        except MalformedInputs as exc:
            raise InvalidVerificationRequest(f"cannot judge this job: {exc}") from None
        embedder = self._load(spec.model)
        try:
            rows = decode_npy(request.result, (spec.count, embedder.dim)).astype(np.float32)
        except MalformedArray as exc:
            return KindCheck.fail(FailureCode.MALFORMED_RESULT, str(exc))

        norms = np.sqrt(np.einsum("ij,ij->i", rows, rows, dtype=np.float64))
        off_norm = np.flatnonzero(np.abs(norms - 1.0) > self.norm_tolerance)
        if off_norm.size:
            i = int(off_norm[0])
            detail = (
                f"{off_norm.size} of {spec.count} rows are not unit vectors "
                f"(row {i} has norm {norms[i]:.4g})"
            )
            return KindCheck.fail(FailureCode.WRONG_RESULT, detail)

        rng = verifier_rng(
            request.secret, request.receipt.job_id, request.receipt.result_hash, "embeddings-sample"
        )
        sample = np.sort(
            rng.choice(spec.count, size=min(self.sample_size, spec.count), replace=False)
        )
        reference = embedder.embed([texts[i] for i in sample]).astype(np.float64)
        cosines = np.einsum("ij,ij->i", rows[sample], reference, dtype=np.float64) / (
            norms[sample] * np.linalg.norm(reference, axis=1)
        )
        worst = int(np.argmin(cosines))
        facts: dict[str, float | int | str] = {
            "sampled_rows": ",".join(str(int(i)) for i in sample),
            "min_cosine": float(cosines[worst]),
        }
        if cosines[worst] >= self.min_cosine:
            return KindCheck(facts=facts)
        low = int(np.count_nonzero(cosines < self.min_cosine))
        detail = (
            f"{low} of {sample.size} sampled rows disagree with the reference model; "
            f"row {int(sample[worst])} has cosine {cosines[worst]:.4f} < {self.min_cosine}"
        )
        return KindCheck.fail(FailureCode.WRONG_RESULT, detail, facts)
