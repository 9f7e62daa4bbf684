"""Honest and dishonest providers against the verifiers: a seeded simulation.

Each job is matmul or embeddings, done honestly (with the rounding noise a GPU
would add: TF32 inputs, half-precision outputs, noisy embeddings) or forged
(wrong C, truncated or fake embeddings, inflated units, someone else's
signature). One oracle with its own secret judges every job through the real
registry. The report counts forged jobs caught (detection) and honest jobs
judged at fault (false slashes). Pure: no chain, no network.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from oracles.errors import OracleError
from oracles.verify.freivalds import PRECISION_BY_DTYPE, freivalds_check
from oracles.verify.registry import VerifierRegistry, default_registry
from oracles.verify.report import VerificationReport
from oracles.verify.request import TimingPolicy
from protocol.compute.embedding_inputs import encode_inputs, inputs_hash, synthetic_texts
from protocol.compute.embedding_model import Embedder, load_embedder
from protocol.compute.matrices import INPUT_BOUND, job_matrices
from protocol.compute.npy_codec import encode_npy
from protocol.compute.rounding import round_to_dtype
from protocol.compute.specs import MatmulSpec
from protocol.compute.units import matmul_units
from tools.sim.gpu_noise import fake_gpu_embeddings, fake_tf32_product, truncate_mantissa
from tools.sim.jobs import SimJob

__all__ = ["Forgery", "SimulationConfig", "SimulationReport", "run_simulation"]

Matrix = NDArray[np.float32]


class Forgery(StrEnum):
    MATMUL_RANDOM = "matmul: random C"
    MATMUL_OTHER_SEED = "matmul: C for another B"
    MATMUL_ONE_ENTRY = "matmul: one entry off by 4 bands"
    MATMUL_CANCELLING_PAIR = "matmul: +-2 bands in one row (Freivalds worst case)"
    MATMUL_ROW_ZEROED = "matmul: one row zeroed"
    EMBED_TRUNCATED_ROWS = "embeddings: last rows dropped"
    EMBED_TRUNCATED_DIMS = "embeddings: dimensions truncated"
    EMBED_ZEROED = "embeddings: zeroed"
    EMBED_SHUFFLED = "embeddings: rows shuffled"
    EMBED_HALF_FORGED = "embeddings: half the rows random"
    UNITS_ABOVE_SPEC = "units: more than the job is worth"
    UNITS_TOO_FAST = "units: impossible for the registered throughput"
    FOREIGN_SIGNATURE = "receipt signed by another key"


_MATMUL_FORGERIES = [f for f in Forgery if f.name.startswith("MATMUL")]
_EMBED_FORGERIES = [f for f in Forgery if f.name.startswith("EMBED")]
_ANY_KIND_FORGERIES = [Forgery.UNITS_ABOVE_SPEC, Forgery.UNITS_TOO_FAST, Forgery.FOREIGN_SIGNATURE]


class SimulationConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    jobs: int = Field(default=1_000, ge=1)
    forged_fraction: float = Field(default=0.1, ge=0.0, le=1.0)
    seed: int = 0
    vectors: int = Field(default=20, ge=1)
    matmul_sizes: tuple[Annotated[int, Field(ge=2, le=4096)], ...] = (16, 64, 128, 256)
    embed_count: int = Field(default=24, ge=2)
    embed_input_sets: int = Field(default=6, ge=1)
    # Registered throughputs: GFLOP units/s for matmul, texts/s for embeddings.
    matmul_rate: float = 2.0
    embed_rate: float = 4.0


class ForgeryTally(BaseModel):
    jobs: int = 0
    caught: int = 0


class SimulationReport(BaseModel):
    jobs: int
    honest: int
    forged: int
    honest_slashed: int
    forged_caught: int
    not_judged: int  # raised an OracleError instead of a verdict
    matmul_forged: int
    matmul_caught: int
    by_forgery: dict[str, ForgeryTally]
    # How close honest jobs came to failing: the largest share of the Freivalds
    # band used (fails above 1) and the lowest sampled cosine (fails below 0.99).
    honest_max_band_use: float
    honest_min_cosine: float

    @property
    def detection_rate(self) -> float:
        return self.forged_caught / self.forged if self.forged else 1.0

    @property
    def false_slash_rate(self) -> float:
        return self.honest_slashed / self.honest if self.honest else 0.0

    @property
    def matmul_detection_rate(self) -> float:
        return self.matmul_caught / self.matmul_forged if self.matmul_forged else 1.0


@dataclass
class _World:
    config: SimulationConfig
    rng: np.random.Generator
    registry: VerifierRegistry
    embedder: Embedder
    provider_key: bytes
    stranger_key: bytes
    secret: bytes
    input_sets: list[tuple[bytes, list[str]]]
    reference_rows: dict[int, Matrix] = field(default_factory=dict)


@dataclass
class _Delivery:
    """What a provider hands in: result bytes, claimed units and run times."""

    job: SimJob
    result: bytes
    units: int
    started_at: int
    finished_at: int
    inputs: bytes | None = None
    signer_key: bytes | None = None
    rate: float = 1.0


def _honest_times(world: _World, job: SimJob, units: int, rate: float) -> tuple[int, int]:
    started = job.accepted_at + int(world.rng.integers(0, 20))
    needed = math.ceil(units / rate)
    return started, started + needed + int(world.rng.integers(0, 5))


def _matmul_job(world: _World, salt: int) -> tuple[SimJob, MatmulSpec]:
    rng = world.rng
    spec = MatmulSpec(
        kind="matmul",
        n=int(rng.choice(world.config.matmul_sizes)),
        seed_a=int(rng.integers(0, 2**63)),
        seed_b=int(rng.integers(0, 2**63)),
        dtype=str(rng.choice(["float32", "float32", "bfloat16", "float16"])),  # type: ignore[arg-type]
    )
    job = SimJob(spec.as_json(), provider_key=world.provider_key, max_units=10**6, salt=salt)
    return job, spec


def _honest_product(world: _World, spec: MatmulSpec, a: Matrix, b: Matrix) -> Matrix:
    """What some honest GPU returns: TF32 or float32 for float32 jobs; float32
    sums rounded or truncated to the dtype for half-precision jobs."""
    way = int(world.rng.integers(0, 3))
    if spec.dtype == "float32":
        return [a @ b, fake_tf32_product(a, b), fake_tf32_product(a, b, truncate=True)][way]
    if way == 2:
        return truncate_mantissa(a @ b, 7 if spec.dtype == "bfloat16" else 10)
    return round_to_dtype(a @ b, spec.dtype)


def _band(spec: MatmulSpec, a: Matrix, b: Matrix, c: Matrix) -> float:
    ones = np.ones((spec.n, 1), dtype=np.float32)
    outcome = freivalds_check(
        a, b, c, ones, PRECISION_BY_DTYPE[spec.dtype], input_bound=INPUT_BOUND
    )
    return outcome.median_band


def _forge_product(
    world: _World, forgery: Forgery, spec: MatmulSpec, a: Matrix, b: Matrix, c: Matrix
) -> Matrix:
    rng, n = world.rng, spec.n
    forged = c.copy()
    row, col = int(rng.integers(0, n)), int(rng.integers(0, n))
    if forgery is Forgery.MATMUL_RANDOM:
        return rng.uniform(-1, 1, c.shape).astype(np.float32) * np.float32(np.abs(c).mean())
    if forgery is Forgery.MATMUL_OTHER_SEED:
        other = MatmulSpec(**{**spec.as_json(), "seed_b": spec.seed_b ^ 1})
        return a @ job_matrices(other)[1]
    if forgery is Forgery.MATMUL_ONE_ENTRY:
        forged[row, col] += np.float32(4 * _band(spec, a, b, c))
    elif forgery is Forgery.MATMUL_CANCELLING_PAIR:
        other_col = (col + 1 + int(rng.integers(0, n - 1))) % n
        delta = np.float32(2 * _band(spec, a, b, c))
        forged[row, col] += delta
        forged[row, other_col] -= delta
    elif forgery is Forgery.MATMUL_ROW_ZEROED:
        forged[row] = 0.0
    return forged


def _matmul_delivery(world: _World, salt: int, forgery: Forgery | None) -> _Delivery:
    job, spec = _matmul_job(world, salt)
    a, b = job_matrices(spec)
    c = _honest_product(world, spec, a, b)
    if forgery in _MATMUL_FORGERIES:
        assert forgery is not None
        c = _forge_product(world, forgery, spec, a, b, c)
    units = matmul_units(spec.n)
    rate = world.config.matmul_rate
    started, finished = _honest_times(world, job, units, rate)
    return _Delivery(job, encode_npy(c), units, started, finished, rate=rate)


def _embed_reference(world: _World, which: int) -> Matrix:
    if which not in world.reference_rows:
        world.reference_rows[which] = world.embedder.embed(world.input_sets[which][1])
    return world.reference_rows[which]


def _honest_rows(world: _World, rows: Matrix) -> NDArray[np.floating]:
    way = int(world.rng.integers(0, 3))
    if way == 0:
        return rows
    if way == 1:
        return rows.astype(np.float16)
    return fake_gpu_embeddings(rows, world.rng)


def _forge_rows(world: _World, forgery: Forgery, rows: NDArray[np.floating]) -> NDArray[Any]:
    rng = world.rng
    count = rows.shape[0]
    if forgery is Forgery.EMBED_TRUNCATED_ROWS:
        return rows[: count - int(rng.integers(1, count))]
    if forgery is Forgery.EMBED_TRUNCATED_DIMS:
        return rows[:, : rows.shape[1] // 2].copy()
    if forgery is Forgery.EMBED_ZEROED:
        return np.zeros_like(rows)
    if forgery is Forgery.EMBED_SHUFFLED:
        return rows[np.roll(np.arange(count), 1 + int(rng.integers(0, count - 1)))]
    noise = rng.standard_normal(rows.shape)
    random_rows = (noise / np.linalg.norm(noise, axis=1, keepdims=True)).astype(rows.dtype)
    forged = rows.copy()
    forged[count // 2 :] = random_rows[count // 2 :]
    return forged


def _embed_delivery(world: _World, salt: int, forgery: Forgery | None) -> _Delivery:
    which = int(world.rng.integers(0, len(world.input_sets)))
    inputs, texts = world.input_sets[which]
    spec = {
        "kind": "embeddings",
        "model": "all-MiniLM-L6-v2",
        "inputs_hash": inputs_hash(inputs),
        "count": len(texts),
    }
    job = SimJob(spec, provider_key=world.provider_key, max_units=10**6, salt=salt)
    rows = _honest_rows(world, _embed_reference(world, which))
    if forgery in _EMBED_FORGERIES:
        assert forgery is not None
        rows = _forge_rows(world, forgery, rows)
    rate = world.config.embed_rate
    started, finished = _honest_times(world, job, len(texts), rate)
    return _Delivery(job, encode_npy(rows), len(texts), started, finished, inputs, rate=rate)


def _forge_receipt(world: _World, forgery: Forgery, delivery: _Delivery) -> None:
    if forgery is Forgery.UNITS_ABOVE_SPEC:
        delivery.units += 1 + int(world.rng.integers(0, delivery.units + 1))
    elif forgery is Forgery.UNITS_TOO_FAST:
        # Claims 0 s for a job its registered hardware needs 4 s for.
        delivery.rate = delivery.units / 4.0
        delivery.finished_at = delivery.started_at
    elif forgery is Forgery.FOREIGN_SIGNATURE:
        delivery.signer_key = world.stranger_key


def _judge(world: _World, delivery: _Delivery) -> VerificationReport | None:
    """The oracle's report, or None if it could not judge the job."""
    job = delivery.job
    receipt = job.receipt(
        delivery.result,
        units=delivery.units,
        started_at=delivery.started_at,
        finished_at=delivery.finished_at,
    )
    request = job.request(
        delivery.result,
        receipt,
        units_per_second=delivery.rate,
        secret=world.secret,
        inputs=delivery.inputs,
        signer_key=delivery.signer_key,
        timing=TimingPolicy(),
    )
    try:
        return world.registry.verify(request)
    except OracleError:
        return None


@dataclass
class _Counts:
    honest: int = 0
    honest_slashed: int = 0
    forged: int = 0
    forged_caught: int = 0
    not_judged: int = 0
    matmul_forged: int = 0
    matmul_caught: int = 0
    band_use: float = 0.0
    min_cosine: float = 1.0
    tallies: dict[str, ForgeryTally] = field(
        default_factory=lambda: {f.value: ForgeryTally() for f in Forgery}
    )

    def record(self, forgery: Forgery | None, report: VerificationReport | None) -> None:
        if forgery is not None:
            self.forged += 1
        if report is None:
            self.not_judged += 1
            return
        at_fault = int(not report.passed)
        if forgery is None:
            self.honest += 1
            self.honest_slashed += at_fault
            self.band_use = max(self.band_use, float(report.facts.get("freivalds_max_ratio", 0)))
            self.min_cosine = min(self.min_cosine, float(report.facts.get("min_cosine", 1)))
            return
        self.tallies[forgery.value].jobs += 1
        self.tallies[forgery.value].caught += at_fault
        self.forged_caught += at_fault
        if forgery in _MATMUL_FORGERIES:
            self.matmul_forged += 1
            self.matmul_caught += at_fault

    def report(self, jobs: int) -> SimulationReport:
        return SimulationReport(
            jobs=jobs,
            honest=self.honest,
            forged=self.forged,
            honest_slashed=self.honest_slashed,
            forged_caught=self.forged_caught,
            not_judged=self.not_judged,
            matmul_forged=self.matmul_forged,
            matmul_caught=self.matmul_caught,
            by_forgery=self.tallies,
            honest_max_band_use=self.band_use,
            honest_min_cosine=self.min_cosine,
        )


def _pick_forgery(world: _World, kind: str) -> Forgery:
    choices = (_MATMUL_FORGERIES if kind == "matmul" else _EMBED_FORGERIES) + _ANY_KIND_FORGERIES
    return choices[int(world.rng.integers(0, len(choices)))]


def run_simulation(
    config: SimulationConfig,
    *,
    embedder_loader: Callable[[str], Embedder] = load_embedder,
    progress: Callable[[int], None] | None = None,
) -> SimulationReport:
    rng = np.random.Generator(np.random.PCG64(config.seed))
    input_sets = []
    for i in range(config.embed_input_sets):
        texts = synthetic_texts(config.seed * 1_000 + i, config.embed_count)
        input_sets.append((encode_inputs(texts), texts))
    world = _World(
        config=config,
        rng=rng,
        registry=default_registry(vectors=config.vectors, embedder_loader=embedder_loader),
        embedder=embedder_loader("all-MiniLM-L6-v2"),
        provider_key=rng.bytes(32),
        stranger_key=rng.bytes(32),
        secret=rng.bytes(32),
        input_sets=input_sets,
    )
    forged_jobs = set(
        rng.choice(config.jobs, size=round(config.jobs * config.forged_fraction), replace=False)
    )
    counts = _Counts()
    for index in range(config.jobs):
        kind = "matmul" if rng.random() < 0.5 else "embeddings"
        forgery = _pick_forgery(world, kind) if index in forged_jobs else None
        make = _matmul_delivery if kind == "matmul" else _embed_delivery
        delivery = make(world, index, forgery)
        if forgery in _ANY_KIND_FORGERIES:
            assert forgery is not None
            _forge_receipt(world, forgery, delivery)
        counts.record(forgery, _judge(world, delivery))
        if progress is not None:
            progress(index + 1)
    return counts.report(config.jobs)
