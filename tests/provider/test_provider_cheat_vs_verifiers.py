"""End to end off-chain: the provider's executor output, its signed receipt and
the oracles' verifiers. Honest results pass; every forgery of the cheat mode is
caught (the path that leads to a Fault verdict and a slash)."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from container_image import TRAIN_SCRIPT
from eth_account import Account

from gpuc.devnet.cheat import ForgeryStrategy, forge, strategies_for
from oracles.container_rerun import engine_rerun
from oracles.verify import FailureCode, VerificationRequest, VerifierRegistry
from oracles.verify import default_registry as verifier_registry
from protocol.compute.container_spec import ContainerSpec, parse_container_spec
from protocol.compute.embedding_inputs import encode_inputs, inputs_hash, synthetic_texts
from protocol.containers.engine import ContainerEngine
from protocol.job_spec import spec_hash
from protocol.typed_data import Domain, JobTerms, job_id
from provider.execution.default_kinds import default_registry
from provider.execution.executor import JobExecutor
from provider.execution.job import JobRequest
from provider.execution.limits import MIB, ResourceLimits
from provider.execution.outcome import Succeeded
from provider.receipts import receipt_for, sign_receipt
from provider.results.content_hash import result_hash

PROVIDER_KEY = bytes.fromhex("a1" * 32)
DOMAIN = Domain(chain_id=31337, verifying_contract="0x" + "e5" * 20)
PRICE = 10**12

# What each forgery must be caught as.
EXPECTED_FAULT = {
    ForgeryStrategy.WRONG_ENTRIES: FailureCode.WRONG_RESULT,
    ForgeryStrategy.RANDOM: FailureCode.WRONG_RESULT,
    ForgeryStrategy.SHUFFLED: FailureCode.WRONG_RESULT,
    ForgeryStrategy.TRUNCATED: FailureCode.MALFORMED_RESULT,
    ForgeryStrategy.INFLATED_UNITS: FailureCode.UNITS_ABOVE_SPEC,
}


class DeliveredJob:
    """A job opened for this provider, run by the real executor."""

    def __init__(self, spec: dict[str, Any], inputs: bytes | None, max_units: int) -> None:
        self.spec = spec
        self.inputs = inputs
        now = int(time.time())
        self.accepted_at = now - 1
        self.terms = JobTerms(
            consumer="0x" + "c0" * 20,
            provider=Account.from_key(PROVIDER_KEY).address,
            budget=max_units * PRICE,
            price_per_unit=PRICE,
            accept_deadline=now,
            deadline=now + 3600,
            spec=spec_hash(spec),
            salt=int.from_bytes(os.urandom(8), "big"),
        )
        executor = JobExecutor(
            default_registry(), ResourceLimits(wall_seconds=120, memory_bytes=8192 * MIB)
        )
        outcome = executor.run(JobRequest(job_id=job_id(self.terms), spec=spec, inputs=inputs))
        assert isinstance(outcome, Succeeded), outcome
        self.outcome = outcome

    def request(
        self, result: bytes, units: int | None = None, units_per_second: float = 1000.0
    ) -> VerificationRequest:
        receipt = receipt_for(
            self.outcome,
            max_units=self.terms.max_units,
            result_hash=result_hash(result),
            units=units,
        )
        signed = sign_receipt(DOMAIN, receipt, PROVIDER_KEY)
        return VerificationRequest(
            domain=DOMAIN,
            terms=self.terms,
            spec=self.spec,
            receipt=signed.receipt,
            signature=signed.signature,
            result=result,
            inputs=self.inputs,
            units_per_second=units_per_second,
            accepted_at=self.accepted_at,
            secret=os.urandom(32),
        )


@pytest.fixture(scope="module")
def verifiers() -> VerifierRegistry:
    return verifier_registry()


@pytest.fixture(scope="module")
def matmul_job() -> DeliveredJob:
    spec = {"kind": "matmul", "n": 160, "seed_a": 21, "seed_b": 22, "dtype": "float32"}
    return DeliveredJob(spec, None, max_units=5)


@pytest.fixture(scope="module")
def embeddings_job() -> DeliveredJob:
    inputs = encode_inputs(synthetic_texts(31, 12))
    spec = {
        "kind": "embeddings",
        "model": "all-MiniLM-L6-v2",
        "inputs_hash": inputs_hash(inputs),
        "count": 12,
    }
    return DeliveredJob(spec, inputs, max_units=100)


def test_honest_matmul_passes(verifiers: VerifierRegistry, matmul_job: DeliveredJob) -> None:
    report = verifiers.verify(matmul_job.request(matmul_job.outcome.result))

    assert report.passed, report.failures
    assert report.units == matmul_job.outcome.units


@pytest.mark.parametrize("strategy", strategies_for("matmul"))
def test_forged_matmul_is_caught(
    verifiers: VerifierRegistry, matmul_job: DeliveredJob, strategy: ForgeryStrategy
) -> None:
    honest = matmul_job.outcome
    forged = forge(matmul_job.spec, honest.result, honest.units, strategy, seed=5)

    report = verifiers.verify(matmul_job.request(forged.result, units=forged.units))

    assert not report.passed
    assert report.has(EXPECTED_FAULT[strategy]), report.failures


def test_embeddings_honest_passes_and_every_forgery_is_caught(
    verifiers: VerifierRegistry, embeddings_job: DeliveredJob
) -> None:
    honest = embeddings_job.outcome

    assert verifiers.verify(embeddings_job.request(honest.result)).passed
    for strategy in strategies_for("embeddings"):
        forged = forge(embeddings_job.spec, honest.result, honest.units, strategy, seed=5)
        report = verifiers.verify(embeddings_job.request(forged.result, units=forged.units))
        assert report.has(EXPECTED_FAULT[strategy]), (strategy, report.failures)


# ---------------------------------------------------------------- container (real podman)

CONTAINER_FAULT = {
    ForgeryStrategy.FABRICATED: FailureCode.WRONG_RESULT,
    ForgeryStrategy.TRUNCATED: FailureCode.MALFORMED_RESULT,
    ForgeryStrategy.INFLATED_UNITS: FailureCode.UNITS_ABOVE_WALL_TIME,
}


class CountingRerun:
    """The oracle's real re-execution on podman, counting its runs."""

    def __init__(self, engine: ContainerEngine) -> None:
        self.runs = 0
        self._rerun = engine_rerun()

    def __call__(
        self, spec: ContainerSpec, inputs: bytes | None, image_url: str | None = None
    ) -> dict[str, bytes]:
        self.runs += 1
        return self._rerun(spec, inputs, image_url)


@pytest.fixture(scope="module")
def container_rerun(container_engine: ContainerEngine) -> CountingRerun:
    return CountingRerun(container_engine)


@pytest.fixture(scope="module")
def rerunning_verifiers(container_rerun: CountingRerun) -> VerifierRegistry:
    return verifier_registry(container_rerun=container_rerun, container_rerun_share=1.0)


@pytest.fixture(scope="module")
def training_job(container_image: str) -> DeliveredJob:
    spec = parse_container_spec(
        {
            "kind": "container",
            "image": container_image,
            "command": ["python3", "-c", TRAIN_SCRIPT],
            "deterministic": True,
            "max_seconds": 120,
        }
    ).as_json()
    return DeliveredJob(spec, None, max_units=120)


def test_deterministic_container_is_rerun_and_every_forgery_is_caught(
    rerunning_verifiers: VerifierRegistry,
    training_job: DeliveredJob,
    container_rerun: CountingRerun,
) -> None:
    honest = training_job.outcome

    report = rerunning_verifiers.verify(training_job.request(honest.result, units_per_second=1.0))

    assert report.passed, report.failures
    assert report.facts["rerun"] == "match"
    assert container_rerun.runs == 1
    for strategy in strategies_for("container"):
        forged = forge(training_job.spec, honest.result, honest.units, strategy, seed=5)
        report = rerunning_verifiers.verify(
            training_job.request(forged.result, units=forged.units, units_per_second=1.0)
        )
        assert report.has(CONTAINER_FAULT[strategy]), (strategy, report.failures)


def test_numeric_outputs_within_the_declared_tolerance_pass(
    rerunning_verifiers: VerifierRegistry, container_image: str
) -> None:
    # Noise in the last digits, as a GPU run would give: the raw bytes differ per run.
    script = (
        "import numpy as np, os\n"
        "w = np.linspace(0, 1, 16) + 1e-9 * np.frombuffer(os.urandom(128), np.int64) / 2**63\n"
        "np.save('/out/w.npy', w)\n"
    )
    spec = {
        "kind": "container",
        "image": container_image,
        "command": ["python3", "-c", script],
        "deterministic": True,
        "tolerance": 1e-6,
    }
    job = DeliveredJob(parse_container_spec(spec).as_json(), None, max_units=600)

    report = rerunning_verifiers.verify(job.request(job.outcome.result, units_per_second=1.0))

    assert report.passed, report.failures
    strict = DeliveredJob(parse_container_spec({**spec, "tolerance": None}).as_json(), None, 600)
    report = rerunning_verifiers.verify(strict.request(strict.outcome.result, units_per_second=1.0))
    assert report.has(FailureCode.WRONG_RESULT)


def test_a_task_not_declared_deterministic_is_never_rerun(
    container_image: str, container_engine: ContainerEngine
) -> None:
    rerun = CountingRerun(container_engine)
    verifiers = verifier_registry(container_rerun=rerun, container_rerun_share=1.0)
    spec = {"kind": "container", "image": container_image, "command": ["python3", "-c", "print(1)"]}
    job = DeliveredJob(parse_container_spec(spec).as_json(), None, max_units=600)
    forged = forge(job.spec, job.outcome.result, job.outcome.units, ForgeryStrategy.FABRICATED)

    report = verifiers.verify(job.request(forged.result, units_per_second=1.0))

    # Paid through the dispute window: the signed log and metrics are the evidence.
    assert report.passed, report.failures
    assert rerun.runs == 0
    assert report.facts["log_hash"] and "wall_seconds" in report.facts
