"""Provider benchmark: the device profile and the cost of running a job in its
own process (start-up overhead, kill latency on an overrun).

Run: .venv/bin/python scripts/bench/provider_agent.py [--rounds N] [--no-embeddings]
Prints figures; bounded (about 10-30 s with the embedding model, 5 s without).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from protocol.compute.matrices import reference_product
from protocol.compute.specs import MatmulSpec
from provider.device import measure_device
from provider.execution.default_kinds import default_registry
from provider.execution.executor import JobExecutor
from provider.execution.job import JobRequest
from provider.execution.limits import ResourceLimits
from provider.execution.outcome import Succeeded, TimedOut

TINY = {"kind": "matmul", "n": 8, "seed_a": 1, "seed_b": 2, "dtype": "float32"}
LARGE = {"kind": "matmul", "n": 8192, "seed_a": 1, "seed_b": 2, "dtype": "float32"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-embeddings", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    profile = measure_device(embeddings_count=None if args.no_embeddings else 64)
    print(f"device: {profile.backend} {profile.name}, {profile.logical_cpus} logical CPUs")
    print(f"  matmul float32 n={profile.matmul_n}: {profile.matmul_gflops:.1f} GFLOP/s")
    if profile.embeddings_per_second is not None:
        print(f"  embeddings all-MiniLM-L6-v2: {profile.embeddings_per_second:.1f} /s")
    print(f"  measured in {time.perf_counter() - started:.1f} s")

    with tempfile.TemporaryDirectory() as work:
        executor = JobExecutor(default_registry(), device="cpu", work_root=Path(work))
        walls = []
        for round_ in range(args.rounds):
            request = JobRequest(job_id=round_.to_bytes(32, "big"), spec=TINY)
            t0 = time.perf_counter()
            outcome = executor.run(request)
            walls.append(time.perf_counter() - t0)
            assert isinstance(outcome, Succeeded), outcome
        t0 = time.perf_counter()
        reference_product(MatmulSpec.model_validate(TINY))
        in_process = time.perf_counter() - t0
        print(
            f"job process overhead (matmul n=8, {args.rounds} runs): "
            f"median {statistics.median(walls) * 1000:.0f} ms, min {min(walls) * 1000:.0f} ms "
            f"(the product itself: {in_process * 1e6:.0f} us)"
        )

        limit = 1.0
        t0 = time.perf_counter()
        killed = executor.run(
            JobRequest(job_id=b"\xff" * 32, spec=LARGE), ResourceLimits(wall_seconds=limit)
        )
        elapsed = time.perf_counter() - t0
        assert isinstance(killed, TimedOut), killed
        print(
            f"overrun (matmul n=8192, limit {limit:.0f} s): killed and reported after "
            f"{elapsed:.2f} s ({(elapsed - limit) * 1000:.0f} ms past the limit)"
        )


if __name__ == "__main__":
    main()
