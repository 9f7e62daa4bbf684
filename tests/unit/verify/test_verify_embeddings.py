"""The embeddings verifier with the real all-MiniLM-L6-v2 reference."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from numpy.typing import NDArray
from verify_helpers import embeddings_job, embeddings_request

from oracles.errors import InvalidVerificationRequest
from oracles.verify.embeddings import EmbeddingsVerifier
from oracles.verify.registry import VerifierRegistry
from oracles.verify.report import FailureCode
from protocol.compute.embedding_inputs import encode_inputs
from protocol.compute.embedding_model import load_embedder
from protocol.compute.npy_codec import encode_npy
from protocol.compute.specs import EmbeddingsSpec
from tools.sim.gpu_noise import fake_gpu_embeddings

Rows = NDArray[np.float32]


@pytest.fixture(scope="module")
def honest() -> Rows:
    _, _, texts = embeddings_job()
    return load_embedder("all-MiniLM-L6-v2").embed(texts)


def _verify(registry: VerifierRegistry, rows: Rows, **overrides: object):  # type: ignore[no-untyped-def]
    job, inputs, _ = embeddings_job()
    return registry.verify(embeddings_request(job, inputs, encode_npy(rows), **overrides))


@pytest.mark.parametrize(
    "variant",
    [
        lambda rows: rows,
        lambda rows: rows.astype(np.float16),
        lambda rows: fake_gpu_embeddings(rows, np.random.default_rng(1)),
        lambda rows: fake_gpu_embeddings(rows, np.random.default_rng(2), relative_noise=0.05),
    ],
    ids=["reference", "float16_storage", "gpu_noise", "heavy_noise_cos_0_999"],
)
def test_honest_noise_passes(
    registry: VerifierRegistry, honest: Rows, variant: Callable[[Rows], Rows]
) -> None:
    report = _verify(registry, variant(honest))
    assert report.passed, report.failures
    assert float(report.facts["min_cosine"]) > 0.995
    assert len(str(report.facts["sampled_rows"]).split(",")) == 16


def _shuffled(rows: Rows) -> Rows:
    return rows[np.random.default_rng(0).permutation(len(rows))]


def _random_units(rows: Rows) -> Rows:
    noise = np.random.default_rng(0).standard_normal(rows.shape).astype(np.float32)
    units: Rows = noise / np.linalg.norm(noise, axis=1, keepdims=True)
    return units


def _half_forged(rows: Rows) -> Rows:
    forged = rows.copy()
    forged[len(rows) // 2 :] = _random_units(rows)[len(rows) // 2 :]
    return forged


def _neighbour_rows(rows: Rows) -> Rows:
    # Each row replaced by the next one's embedding: plausible vectors, wrong texts.
    return np.roll(rows, 1, axis=0)


@pytest.mark.parametrize(
    ("forge", "code"),
    [
        (lambda rows: rows[:-1], FailureCode.MALFORMED_RESULT),
        (lambda rows: rows[:, :128].copy(), FailureCode.MALFORMED_RESULT),
        (lambda rows: np.zeros_like(rows), FailureCode.WRONG_RESULT),
        (lambda rows: rows * 2, FailureCode.WRONG_RESULT),
        (_shuffled, FailureCode.WRONG_RESULT),
        (_random_units, FailureCode.WRONG_RESULT),
        (_half_forged, FailureCode.WRONG_RESULT),
        (_neighbour_rows, FailureCode.WRONG_RESULT),
    ],
    ids=[
        "truncated_rows",
        "truncated_dims",
        "zeroed",
        "unnormalised",
        "shuffled",
        "random",
        "half_forged",
        "neighbour",
    ],
)
def test_forged_embeddings_fail(
    registry: VerifierRegistry, honest: Rows, forge: Callable[[Rows], Rows], code: FailureCode
) -> None:
    report = _verify(registry, forge(honest))
    assert [f.code for f in report.failures] == [code]


def test_the_sample_depends_on_the_secret_and_the_committed_result(honest: Rows) -> None:
    job, inputs, _ = embeddings_job()
    verifier = EmbeddingsVerifier()
    spec = EmbeddingsSpec(**job.spec)

    def sample(result: bytes, secret: bytes) -> object:
        request = embeddings_request(job, inputs, result, secret=secret)
        return verifier.check(spec, request).facts["sampled_rows"]

    result = encode_npy(honest)
    noisy = encode_npy(fake_gpu_embeddings(honest, np.random.default_rng(3)))
    assert sample(result, b"a" * 32) == sample(result, b"a" * 32)
    assert sample(result, b"a" * 32) != sample(result, b"b" * 32)
    assert sample(result, b"a" * 32) != sample(noisy, b"a" * 32)


def test_sampling_uses_the_embedder_only_for_the_sample(honest: Rows) -> None:
    calls: list[int] = []
    real = load_embedder("all-MiniLM-L6-v2")

    class CountingEmbedder:
        dim = real.dim

        def embed(self, texts: Sequence[str]) -> Rows:
            calls.append(len(texts))
            return real.embed(texts)

    job, inputs, _ = embeddings_job()
    verifier = EmbeddingsVerifier(sample_size=5, embedder_loader=lambda _: CountingEmbedder())
    report = verifier.check(
        EmbeddingsSpec(**job.spec), embeddings_request(job, inputs, encode_npy(honest))
    )
    assert report.failures == ()
    assert calls == [5]


def test_missing_or_wrong_inputs_mean_we_cannot_judge(
    registry: VerifierRegistry, honest: Rows
) -> None:
    job, _, texts = embeddings_job()
    with pytest.raises(InvalidVerificationRequest, match="needs its input file"):
        registry.verify(embeddings_request(job, None, encode_npy(honest)))
    with pytest.raises(InvalidVerificationRequest, match="hashes to"):
        registry.verify(embeddings_request(job, encode_inputs(texts[::-1]), encode_npy(honest)))
