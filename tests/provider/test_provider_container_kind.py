"""The container kind under real podman (rootful, runc, --network=none): a task
runs isolated and billed per second, and a hostile image is contained.

The image is built once per session (tests/container_image.py); each test runs
one or two short containers.
"""

from __future__ import annotations

import io
import json
import math
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from container_image import TRAIN_SCRIPT

from protocol.compute.container_result import unpack_result
from protocol.compute.container_spec import parse_container_spec
from protocol.compute.embedding_inputs import inputs_hash
from protocol.containers.engine import ContainerEngine
from protocol.containers.runner import ContainerCaps, run_task
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
from provider.results.live_logs import LiveLogs
from provider.results.server import ResultServer
from provider.results.store import ResultStore


def container_job(image: str, script: str, tag: int = 1, **fields: object) -> JobRequest:
    spec = {"kind": "container", "image": image, "command": ["python3", "-c", script], **fields}
    return JobRequest(job_id=tag.to_bytes(32, "big"), spec=spec)


@pytest.fixture
def executor(tmp_path: Path) -> JobExecutor:
    limits = ResourceLimits(wall_seconds=30, memory_bytes=256 * MIB)
    return JobExecutor(default_registry(), limits, work_root=tmp_path / "jobs")


def leftover_containers(engine: ContainerEngine, prefix: str) -> list[str]:
    done = subprocess.run(
        [engine.binary, "ps", "--all", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        check=True,
        env=engine.environment(),
    )
    return [name for name in done.stdout.split() if name.startswith(prefix)]


def test_training_task_writes_weights_logs_and_metrics(
    executor: JobExecutor, container_image: str
) -> None:
    outcome = executor.run(container_job(container_image, TRAIN_SCRIPT, deterministic=True))

    assert isinstance(outcome, Succeeded), outcome
    result = unpack_result(outcome.result)
    weights = np.load(io.BytesIO(result.outputs["weights.npy"]))
    assert np.allclose(weights, np.arange(1.0, 9.0), atol=0.05)
    assert b"step 0 loss" in result.log and result.log.rstrip().endswith(b"done")
    metrics = result.manifest.metrics
    assert metrics.cpu_seconds is not None and metrics.cpu_seconds > 0
    assert metrics.memory_peak_bytes is not None and metrics.memory_peak_bytes > 1_000_000
    assert result.manifest.engine == "podman"
    # Billed per started second of wall time.
    assert outcome.units == max(1, math.ceil(metrics.wall_seconds))
    assert metrics.wall_seconds <= outcome.wall_seconds


def test_inputs_are_mounted_read_only_at_in(executor: JobExecutor, container_image: str) -> None:
    inputs = b"1 2 3 4"
    script = (
        "data = open('/in/inputs.bin').read().split()\n"
        "open('/out/sum.txt', 'w').write(str(sum(map(int, data))))\n"
        "try:\n    open('/in/inputs.bin', 'w')\nexcept OSError as e:\n    print('ro', e.errno)\n"
    )
    request = container_job(container_image, script, inputs_hash=inputs_hash(inputs))
    request = request.model_copy(update={"inputs": inputs})

    outcome = executor.run(request)

    assert isinstance(outcome, Succeeded), outcome
    result = unpack_result(outcome.result)
    assert result.outputs == {"sum.txt": b"10"}
    assert b"ro 30" in result.log or b"ro 13" in result.log


@pytest.mark.parametrize(
    ("spec_pids", "provider_cap", "bound"),
    [(32, 256, 32), (4096, 24, 24)],  # the spec's request, or the provider's cap if lower
)
def test_fork_bomb_is_held_at_the_pids_limit(
    executor: JobExecutor, container_image: str, spec_pids: int, provider_cap: int, bound: int
) -> None:
    script = (
        "import os, time\n"
        "children = 0\n"
        "try:\n"
        "    for _ in range(5000):\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30); os._exit(0)\n"
        "        children += 1\n"
        "except OSError as e:\n"
        "    print('fork refused', e.errno)\n"
        "print('children', children, flush=True)\n"
        "open('/out/children', 'w').write(str(children))\n"
        "os._exit(0)\n"
    )

    limits = ResourceLimits(wall_seconds=30, memory_bytes=256 * MIB, container_pids=provider_cap)

    outcome = executor.run(container_job(container_image, script, pids=spec_pids, tag=2), limits)

    assert isinstance(outcome, Succeeded), outcome
    result = unpack_result(outcome.result)
    assert b"fork refused 11" in result.log
    assert bound // 2 < int(result.outputs["children"]) < bound


def test_memory_hog_is_killed_at_its_limit(executor: JobExecutor, container_image: str) -> None:
    script = (
        "b = bytearray(1024 * 1024 * 1024)\nb[::4096] = b'x' * len(b[::4096])\nprint('survived')"
    )

    outcome = executor.run(container_job(container_image, script, memory_mib=64, tag=3))

    assert isinstance(outcome, OutOfMemory), outcome


def test_writes_outside_the_volume_fail_and_only_out_is_returned(
    executor: JobExecutor, container_image: str
) -> None:
    script = (
        "import json\n"
        "report = {}\n"
        "for path in ['/etc/passwd', '/x', '/usr/lib/evil', '/proc/sysrq-trigger', '/out/ok']:\n"
        "    try:\n"
        "        open(path, 'w').write('owned')\n"
        "        report[path] = 'written'\n"
        "    except OSError as e:\n"
        "        report[path] = e.errno\n"
        "print(json.dumps(report))\n"
    )

    outcome = executor.run(container_job(container_image, script, tag=4))

    assert isinstance(outcome, Succeeded), outcome
    result = unpack_result(outcome.result)
    report = json.loads(result.log.decode().strip().splitlines()[-1])
    assert report.pop("/out/ok") == "written"
    assert all(code != "written" for code in report.values()), report
    assert result.outputs == {"ok": b"owned"}


def test_network_is_unreachable_from_the_task(executor: JobExecutor, container_image: str) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    hits: list[object] = []

    def _accept() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                hits.append(server.accept())
            except TimeoutError:
                continue

    watcher = threading.Thread(target=_accept, daemon=True)
    watcher.start()
    script = (
        "import socket\n"
        f"for host, port in [('127.0.0.1', {port}), ('10.0.2.2', {port}), ('1.1.1.1', 53)]:\n"
        "    s = socket.socket(); s.settimeout(2)\n"
        "    try:\n        s.connect((host, port)); print('connected', host)\n"
        "    except OSError as e:\n        print('blocked', host, e.errno)\n"
        "print(sorted(n for _, n in socket.if_nameindex()))\n"
    )
    try:
        outcome = executor.run(container_job(container_image, script, tag=5))
    finally:
        watcher.join()
        server.close()

    assert isinstance(outcome, Succeeded), outcome
    log = unpack_result(outcome.result).log.decode()
    assert "connected" not in log
    assert log.count("blocked") == 3
    assert "['lo']" in log
    assert hits == []


def test_overrun_is_killed_removed_and_the_executor_keeps_serving(
    executor: JobExecutor, container_image: str, container_engine: ContainerEngine
) -> None:
    limits = ResourceLimits(wall_seconds=3.0, memory_bytes=256 * MIB)
    job = container_job(
        container_image, "import time\nprint('going', flush=True)\ntime.sleep(60)", tag=0xABC
    )

    outcome = executor.run(job, limits)

    assert isinstance(outcome, TimedOut), outcome
    assert outcome.wall_seconds < 15
    prefix = "gpuc-" + (0xABC).to_bytes(32, "big").hex()[:16]
    assert leftover_containers(container_engine, prefix) == []
    after = executor.run(container_job(container_image, "print('next job')", tag=6))
    assert isinstance(after, Succeeded), after


def test_a_failing_task_is_a_crash_with_its_log(
    executor: JobExecutor, container_image: str
) -> None:
    outcome = executor.run(
        container_job(
            container_image, "import sys\nprint('broken', file=sys.stderr)\nsys.exit(3)", tag=7
        )
    )

    assert isinstance(outcome, Crashed), outcome
    assert "code 3" in outcome.detail
    assert "broken" in outcome.detail


def test_log_is_delivered_while_the_task_runs(
    tmp_path: Path, container_engine: ContainerEngine, container_image: str
) -> None:
    spec = parse_container_spec(
        {
            "kind": "container",
            "image": container_image,
            "command": [
                "python3",
                "-c",
                "import time\nprint('first')\ntime.sleep(2)\nprint('last')",
            ],
        }
    )
    seen: list[tuple[float, bytes]] = []

    run = run_task(
        container_engine,
        spec,
        workdir=tmp_path / "task",
        name="gpuc-test-live-log",
        caps=ContainerCaps(),
        on_log=lambda chunk: seen.append((time.monotonic(), chunk)),
    )
    finished = time.monotonic()

    assert run.exit_code == 0
    assert seen[0][1] == b"first\n"
    assert finished - seen[0][0] > 1.5  # the first line came while the task slept
    assert (tmp_path / "task" / "container.log").read_bytes() == b"first\nlast\n"


def test_no_engine_is_a_clear_refusal(
    executor: JobExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr("provider.execution.kinds.container._last_ok", [])

    outcome = executor.run(container_job("alpine", "print(1)"))

    assert isinstance(outcome, Refused), outcome
    assert outcome.reason is RefusalReason.NO_CONTAINER_ENGINE
    assert "no 'podman' or 'docker' command on PATH" in outcome.detail


def test_malformed_container_spec_is_refused_before_the_engine_is_asked(
    executor: JobExecutor,
) -> None:
    spec = {"kind": "container", "image": "--privileged", "command": ["sh"]}

    outcome = executor.run(JobRequest(job_id=b"\x01" * 32, spec=spec))

    assert isinstance(outcome, Refused), outcome
    assert outcome.reason is RefusalReason.INVALID_SPEC
    assert "image" in outcome.detail


def test_consumer_follows_the_log_over_http_while_the_task_runs(
    tmp_path: Path, container_image: str
) -> None:
    work_root = tmp_path / "work"
    executor = JobExecutor(
        default_registry(),
        ResourceLimits(wall_seconds=30, memory_bytes=256 * MIB),
        work_root=work_root,
    )
    script = "import time\nfor i in range(3):\n    print('epoch', i)\n    time.sleep(1)\n"
    job = container_job(container_image, script, tag=0x10C)
    outcomes: list[object] = []
    runner = threading.Thread(target=lambda: outcomes.append(executor.run(job)))
    with ResultServer(ResultStore(tmp_path / "results"), logs=LiveLogs(work_root)) as server:
        assert httpx.get(server.log_url(job.job_id), timeout=5).status_code == 404
        assert httpx.get(f"{server.base_url}/logs/0x12", timeout=5).status_code == 400
        runner.start()
        url = server.log_url(job.job_id)
        deadline = time.monotonic() + 20
        while LiveLogs(work_root).find(job.job_id) is None:  # the workdir exists
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        received: list[tuple[float, bytes]] = []
        with httpx.stream("GET", url, timeout=30) as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                received.append((time.monotonic(), chunk))
        ended = time.monotonic()
    runner.join()

    outcome = outcomes[0]
    assert isinstance(outcome, Succeeded), outcome
    streamed = b"".join(chunk for _, chunk in received)
    assert streamed == unpack_result(outcome.result).log == b"epoch 0\nepoch 1\nepoch 2\n"
    assert ended - received[0][0] > 1.5  # the first epoch arrived while the task still ran
