"""Delivered jobs for the verifier tests, built with the same helpers the simulation uses."""

from __future__ import annotations

from typing import Any

from oracles.verify.request import VerificationRequest
from protocol.compute.embedding_inputs import encode_inputs, inputs_hash, synthetic_texts
from protocol.compute.matrices import reference_product
from protocol.compute.npy_codec import encode_npy
from protocol.compute.specs import MatmulSpec
from protocol.compute.units import matmul_units
from tools.sim.jobs import SimJob

PROVIDER_KEY = bytes.fromhex("11" * 32)
OTHER_KEY = bytes.fromhex("22" * 32)
SECRET = bytes.fromhex("5e" * 32)
MATMUL_SPEC: dict[str, Any] = {
    "kind": "matmul",
    "n": 96,
    "seed_a": 3,
    "seed_b": 4,
    "dtype": "float32",
}
# GFLOP units per second the provider registered for matmul.
MATMUL_RATE = 50.0


def matmul_job(**overrides: Any) -> SimJob:
    return SimJob({**MATMUL_SPEC, **overrides}, provider_key=PROVIDER_KEY, max_units=100)


def matmul_result(job: SimJob) -> bytes:
    spec = MatmulSpec(**job.spec)
    return encode_npy(reference_product(spec))


def matmul_request(
    result: bytes | None = None,
    *,
    job: SimJob | None = None,
    units: int | None = None,
    started_after: int = 5,
    seconds: int = 2,
    **request_overrides: Any,
) -> VerificationRequest:
    job = job or matmul_job()
    result = matmul_result(job) if result is None else result
    started = job.accepted_at + started_after
    receipt = job.receipt(
        result,
        units=matmul_units(job.spec["n"]) if units is None else units,
        started_at=started,
        finished_at=started + seconds,
    )
    return job.request(
        result,
        receipt,
        units_per_second=request_overrides.pop("units_per_second", MATMUL_RATE),
        secret=request_overrides.pop("secret", SECRET),
        **request_overrides,
    )


EMBED_COUNT = 40
# Embeddings per second the provider registered.
EMBED_RATE = 200.0


def embeddings_job(count: int = EMBED_COUNT, seed: int = 9) -> tuple[SimJob, bytes, list[str]]:
    """A job over ``count`` synthetic texts: the job, its input file and the texts."""
    texts = synthetic_texts(seed, count)
    inputs = encode_inputs(texts)
    spec = {
        "kind": "embeddings",
        "model": "all-MiniLM-L6-v2",
        "inputs_hash": inputs_hash(inputs),
        "count": count,
    }
    return SimJob(spec, provider_key=PROVIDER_KEY, max_units=1_000), inputs, texts


def embeddings_request(
    job: SimJob, inputs: bytes | None, result: bytes, **overrides: Any
) -> VerificationRequest:
    started = job.accepted_at + 3
    receipt = job.receipt(
        result, units=job.spec["count"], started_at=started, finished_at=started + 1
    )
    return job.request(
        result,
        receipt,
        units_per_second=overrides.pop("units_per_second", EMBED_RATE),
        secret=overrides.pop("secret", SECRET),
        inputs=inputs,
        **overrides,
    )
