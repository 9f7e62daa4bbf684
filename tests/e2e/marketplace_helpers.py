"""Shared steps of the marketplace e2e tests: bounded waits, job specs, escrow events."""

from __future__ import annotations

from typing import Any

from gpuc.market.local_market import LocalMarket
from gpuc.market.waiting import wait_until
from protocol.compute.embedding_inputs import encode_inputs, inputs_hash, synthetic_texts
from protocol.typed_data import JobStatus, JobTerms, job_id


def matmul_spec(seed: int, n: int = 128) -> dict[str, Any]:
    return {"kind": "matmul", "n": n, "seed_a": seed, "seed_b": seed + 1, "dtype": "float32"}


def embeddings_job(seed: int, count: int = 4) -> tuple[dict[str, Any], bytes]:
    inputs = encode_inputs(synthetic_texts(seed, count))
    spec = {
        "kind": "embeddings",
        "model": "all-MiniLM-L6-v2",
        "inputs_hash": inputs_hash(inputs),
        "count": count,
    }
    return spec, inputs


def wait_status(market: LocalMarket, terms: JobTerms, wanted: set[int], timeout: float) -> int:
    def reached() -> int | None:
        status = market.protocol.job(terms).status
        return status if status in wanted else None

    names = "/".join(JobStatus(s).label for s in sorted(wanted))
    return wait_until(f"job 0x{job_id(terms).hex()[:12]} to be {names}", reached, timeout)


def escrow_event(market: LocalMarket, name: str, terms: JobTerms) -> dict[str, Any]:
    """The one ``name`` log of this job (JobSettled, JobSlashed, ...)."""
    logs = market.protocol.contracts.escrow.logs(
        name, topics=["0x" + job_id(terms).hex()], from_block=market.manifest.block
    )
    assert len(logs) == 1, f"expected one {name} for the job, found {len(logs)}"
    return dict(logs[0])
