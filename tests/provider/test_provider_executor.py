"""The executor runs each job in its own process under wall-time and memory limits."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from provider_probe_kinds import probe_registry

from protocol.compute.matrices import reference_product
from protocol.compute.npy_codec import decode_npy, encode_npy
from protocol.compute.specs import MatmulSpec
from protocol.compute.units import matmul_units
from provider.execution.default_kinds import default_registry
from provider.execution.executor import JobExecutor
from provider.execution.job import JobRequest
from provider.execution.limits import MIB, ResourceLimits
from provider.execution.outcome import (
    Crashed,
    OutOfMemory,
    RefusalReason,
    Refused,
    Succeeded,
    TimedOut,
)
from provider.execution.registry import KindRegistry
from provider.results.content_hash import result_hash

MATMUL = {"kind": "matmul", "n": 96, "seed_a": 11, "seed_b": 12, "dtype": "float32"}


def job(spec: dict[str, Any], inputs: bytes | None = None, tag: int = 1) -> JobRequest:
    return JobRequest(job_id=tag.to_bytes(32, "big"), spec=spec, inputs=inputs)


@pytest.fixture(scope="module")
def executor(tmp_path_factory: pytest.TempPathFactory) -> JobExecutor:
    registry = KindRegistry([*default_registry(), *probe_registry()])
    limits = ResourceLimits(wall_seconds=30, memory_bytes=1024 * MIB)
    return JobExecutor(registry, limits, work_root=tmp_path_factory.mktemp("jobs"))


def test_matmul_result_is_the_shared_reference_product(executor: JobExecutor) -> None:
    outcome = executor.run(job(MATMUL))

    assert isinstance(outcome, Succeeded), outcome
    expected = encode_npy(reference_product(MatmulSpec.model_validate(MATMUL)))
    assert outcome.result == expected
    assert outcome.result_hash == result_hash(expected)
    assert outcome.units == matmul_units(96)
    assert outcome.finished_at >= outcome.started_at
    assert decode_npy(outcome.result, (96, 96)).dtype == np.float32


def test_overrun_is_killed_and_reported_and_the_next_job_still_runs(
    executor: JobExecutor,
) -> None:
    limits = ResourceLimits(wall_seconds=1.0, memory_bytes=1024 * MIB)
    started = time.monotonic()
    outcome = executor.run(job({"kind": "sleep", "seconds": 30}), limits)
    elapsed = time.monotonic() - started

    assert isinstance(outcome, TimedOut), outcome
    assert outcome.limit_seconds == 1.0
    assert 1.0 <= elapsed < 10
    following = executor.run(job(MATMUL, tag=2))
    assert isinstance(following, Succeeded), following


def test_other_jobs_run_while_one_overruns(executor: JobExecutor) -> None:
    limits = ResourceLimits(wall_seconds=4.0, memory_bytes=1024 * MIB)
    with ThreadPoolExecutor(max_workers=1) as pool:
        overrunning = pool.submit(executor.run, job({"kind": "sleep", "seconds": 30}), limits)
        meanwhile = executor.run(job(MATMUL, tag=3))
        stuck = overrunning.result(timeout=30)

    assert isinstance(meanwhile, Succeeded), meanwhile
    assert isinstance(stuck, TimedOut), stuck
    assert meanwhile.finished_at < stuck.finished_at


def test_overrun_kills_the_jobs_whole_process_group(executor: JobExecutor, tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    limits = ResourceLimits(wall_seconds=3.0, memory_bytes=1024 * MIB)
    spec = {"kind": "spawn_sleeper", "pid_file": str(pid_file)}

    outcome = executor.run(job(spec), limits)

    assert isinstance(outcome, TimedOut), outcome
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild), f"grandchild {grandchild} outlived the killed job"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child of a dead parent is reaped by init; a zombie counts as dead.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[1][0] != "Z"


def test_allocation_past_the_memory_limit_is_out_of_memory(executor: JobExecutor) -> None:
    limits = ResourceLimits(wall_seconds=30, memory_bytes=512 * MIB)

    outcome = executor.run(job({"kind": "allocate", "bytes": 1024 * MIB}), limits)

    assert isinstance(outcome, OutOfMemory), outcome
    assert outcome.limit_bytes == 512 * MIB
    assert "MemoryError" in outcome.detail


def test_allocation_within_the_limit_succeeds(executor: JobExecutor) -> None:
    limits = ResourceLimits(wall_seconds=30, memory_bytes=512 * MIB)

    outcome = executor.run(job({"kind": "allocate", "bytes": 64 * MIB}), limits)

    assert isinstance(outcome, Succeeded), outcome
    assert outcome.result == b"allocated"


def test_matmul_too_large_for_the_memory_limit_is_out_of_memory(executor: JobExecutor) -> None:
    # Two 4096^2 float32 inputs and the product need 192 MiB plus numpy itself.
    spec = {**MATMUL, "n": 4096}
    limits = ResourceLimits(wall_seconds=30, memory_bytes=160 * MIB)

    outcome = executor.run(job(spec), limits)

    assert isinstance(outcome, OutOfMemory), outcome


def test_a_job_killed_by_a_signal_is_reported_as_crashed(executor: JobExecutor) -> None:
    outcome = executor.run(job({"kind": "abort"}))

    assert isinstance(outcome, Crashed), outcome
    assert outcome.exit_code == -6
    assert "SIGABRT" in outcome.detail


def test_an_exception_in_the_job_is_reported_as_crashed(executor: JobExecutor) -> None:
    outcome = executor.run(job({"kind": "raise"}))

    assert isinstance(outcome, Crashed), outcome
    assert "the job's own bug" in outcome.detail


def test_inputs_and_device_reach_the_job_process(tmp_path: Path) -> None:
    executor = JobExecutor(probe_registry(), device="cuda", work_root=tmp_path)

    outcome = executor.run(job({"kind": "echo"}, inputs=bytes(range(256))))

    assert isinstance(outcome, Succeeded), outcome
    assert outcome.result == bytes(range(256)) + b"cuda"
    assert list(tmp_path.iterdir()) == [], "the job's workdir was not removed"


def test_unknown_kind_is_refused_without_a_process(executor: JobExecutor) -> None:
    outcome = executor.run(job({"kind": "quantum"}))

    assert isinstance(outcome, Refused)
    assert outcome.reason is RefusalReason.UNKNOWN_KIND
    assert "quantum" in outcome.detail


def test_invalid_matmul_spec_is_refused(executor: JobExecutor) -> None:
    outcome = executor.run(job({**MATMUL, "n": 0}))

    assert isinstance(outcome, Refused)
    assert outcome.reason is RefusalReason.INVALID_SPEC
    assert "n" in outcome.detail


def test_embeddings_job_whose_inputs_do_not_match_the_spec_is_refused(
    executor: JobExecutor,
) -> None:
    spec = {
        "kind": "embeddings",
        "model": "all-MiniLM-L6-v2",
        "inputs_hash": "0x" + "00" * 32,
        "count": 1,
    }

    outcome = executor.run(job(spec, inputs=b'["hello"]'))

    assert isinstance(outcome, Refused)
    assert outcome.reason is RefusalReason.INVALID_INPUTS
