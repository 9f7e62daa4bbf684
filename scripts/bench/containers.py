"""Container benchmark (real podman): start-up overhead and per-task overhead.

1. Start-up: from submitting a job to the executor (or a run to the engine) until
   the task's process is running (its first output byte), p50 and p90.
2. Per task: the same numpy training script run directly on the host versus as a
   container job through the executor (job process, podman, result archive).

The training comparison runs the host's numpy (the venv's, OpenBLAS) against the
image's (Debian's, reference BLAS, one CPU): compute differs as well as overhead.

Run: .venv/bin/python scripts/bench/containers.py [--rounds N]
Prints figures; bounded (about 10 + 3 x rounds seconds here). Builds the image first
if the engine lacks it (~20 s once).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from protocol.compute.container_spec import parse_container_spec
from protocol.containers.engine import require_engine
from protocol.containers.image import ensure_python_image
from protocol.containers.runner import run_task
from provider.execution.default_kinds import default_registry
from provider.execution.executor import JobExecutor
from provider.execution.job import JobRequest
from provider.execution.limits import MIB, ResourceLimits
from provider.execution.outcome import Succeeded
from provider.results.live_logs import LiveLogs

TRAIN = """
import numpy as np
rng = np.random.default_rng(1)
x = rng.standard_normal((2048, 64))
y = x @ np.linspace(-1, 1, 64)
w = np.zeros(64)
for _ in range(400):
    w -= 0.05 * x.T @ (x @ w - y) / len(y)
np.save("/tmp/w.npy" if __import__("sys").argv[-1] == "host" else "/out/w.npy", w)
"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 50))

    t0 = time.perf_counter()
    engine = require_engine()
    image = ensure_python_image(engine)
    print(f"engine: {engine.name} {engine.binary} runtime={engine.runtime} gpu={engine.gpu}")
    print(f"image: {image} (ready in {time.perf_counter() - t0:.1f} s)")

    echo = parse_container_spec(
        {"kind": "container", "image": image, "command": ["sh", "-c", "echo up"]}
    )
    engine_start: list[float] = []
    with tempfile.TemporaryDirectory() as work:
        for i in range(rounds):
            first: list[float] = []
            started = time.perf_counter()
            run_task(
                engine,
                echo,
                workdir=Path(work) / f"r{i}",
                name=f"gpuc-bench-{i}",
                on_log=lambda _c, first=first: first.append(time.perf_counter()),
            )
            engine_start.append(first[0] - started)

    executor_start: list[float] = []
    noop_total: list[float] = []  # a job of `echo; sleep 1`, less the second
    container_total: list[float] = []
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        executor = JobExecutor(
            default_registry(),
            ResourceLimits(wall_seconds=120, memory_bytes=1024 * MIB),
            work_root=root,
        )
        logs = LiveLogs(root, poll_seconds=0.002)
        for i in range(rounds):
            request = JobRequest(
                job_id=(1000 + i).to_bytes(32, "big"),
                spec={
                    "kind": "container",
                    "image": image,
                    "command": ["sh", "-c", "echo up; sleep 1"],
                },
            )
            seen: list[float] = []

            def watch(job_id: bytes = request.job_id, seen: list[float] = seen) -> None:
                deadline = time.perf_counter() + 60
                while time.perf_counter() < deadline:
                    log = logs.find(job_id)
                    if log is not None and log.is_file() and log.stat().st_size > 0:
                        seen.append(time.perf_counter())
                        return
                    time.sleep(0.002)

            watcher = threading.Thread(target=watch)
            started = time.perf_counter()
            watcher.start()
            outcome = executor.run(request)
            noop_total.append(time.perf_counter() - started - 1.0)
            watcher.join()
            assert isinstance(outcome, Succeeded), outcome
            executor_start.append(seen[0] - started)

        train = {"kind": "container", "image": image, "command": ["python3", "-c", TRAIN]}
        direct: list[float] = []
        for i in range(max(3, rounds // 2)):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", TRAIN, "host"], check=True)
            direct.append(time.perf_counter() - started)
            started = time.perf_counter()
            outcome = executor.run(JobRequest(job_id=(2000 + i).to_bytes(32, "big"), spec=train))
            container_total.append(time.perf_counter() - started)
            assert isinstance(outcome, Succeeded), outcome

    ms = 1000.0

    def p50_p90(values: list[float]) -> str:
        return f"p50 {statistics.median(values) * ms:.0f} ms, p90 {pct(values, 0.9) * ms:.0f} ms"

    print(f"start-up, engine run -> first output byte ({rounds} runs): " + p50_p90(engine_start))
    print(f"start-up, executor submit -> task output ({rounds} runs): " + p50_p90(executor_start))
    print(
        f"fixed cost of a container job (executor, {rounds} runs, less the task's 1 s): "
        + p50_p90(noop_total)
    )
    d50, c50 = statistics.median(direct), statistics.median(container_total)
    print(
        f"numpy training script, {len(direct)} runs each: direct p50 {d50 * ms:.0f} ms, "
        f"container job p50 {c50 * ms:.0f} ms, overhead {(c50 - d50) * ms:.0f} ms per task"
    )


if __name__ == "__main__":
    main()
