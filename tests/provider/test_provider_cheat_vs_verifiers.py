"""End to end off-chain: the provider's executor output, its signed receipt and
the oracles' verifiers. Honest results pass; every forgery of the cheat mode is
caught (the path that leads to a Fault verdict and a slash)."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from eth_account import Account

from oracles.verify import FailureCode, VerificationRequest, VerifierRegistry
from oracles.verify import default_registry as verifier_registry
from protocol.compute.embedding_inputs import encode_inputs, inputs_hash, synthetic_texts
from protocol.job_spec import spec_hash
from protocol.typed_data import Domain, JobTerms, job_id
from provider.cheat.forger import ForgeryStrategy, forge, strategies_for
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
