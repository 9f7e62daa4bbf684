"""The container kind, against a fake `docker` command (no engine can run here).

The fake is a shell script put first on PATH: `info` answers like an engine,
`run` skips the flags and runs the command on the host, `rm` is logged.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

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

FAKE_ENGINE = """#!/bin/sh
echo "$@" >> "$FAKE_DOCKER_LOG"
case "$1" in
  info) echo "99.0.0-fake"; exit 0 ;;
  rm) exit 0 ;;
  run)
    shift
    while [ $# -gt 0 ]; do
      case "$1" in
        --rm) shift ;;
        --name|--network|--memory|--memory-swap|--pids-limit|--cap-drop|--security-opt) shift 2 ;;
        *) break ;;
      esac
    done
    shift
    exec "$@" ;;
esac
exit 1
"""

NO_DAEMON = """#!/bin/sh
echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2
exit 1
"""


def install_fake_docker(
    directory: Path, script: str, monkeypatch: pytest.MonkeyPatch, keep_path: bool = True
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    docker = directory / "docker"
    docker.write_text(script)
    docker.chmod(docker.stat().st_mode | stat.S_IXUSR)
    log = directory / "docker.log"
    monkeypatch.setenv("FAKE_DOCKER_LOG", str(log))
    path = f"{directory}:/usr/bin:/bin" if keep_path else str(directory)
    monkeypatch.setenv("PATH", path)
    return log


def container_job(command: list[str], tag: int = 1) -> JobRequest:
    spec = {"kind": "container", "image": "alpine:3.20", "command": command}
    return JobRequest(job_id=tag.to_bytes(32, "big"), spec=spec)


@pytest.fixture
def executor(tmp_path: Path) -> JobExecutor:
    limits = ResourceLimits(wall_seconds=20, memory_bytes=256 * MIB)
    return JobExecutor(default_registry(), limits, work_root=tmp_path / "jobs")


def test_container_stdout_is_the_result(
    executor: JobExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = install_fake_docker(tmp_path / "bin", FAKE_ENGINE, monkeypatch)

    outcome = executor.run(container_job(["printf", "hello from a container"]))

    assert isinstance(outcome, Succeeded), outcome
    assert outcome.result == b"hello from a container"
    assert outcome.units == 1
    run_line = next(line for line in log.read_text().splitlines() if line.startswith("run"))
    assert "--network none" in run_line
    assert f"--memory {256 * MIB}b" in run_line
    assert run_line.endswith("alpine:3.20 printf hello from a container")


def test_container_exit_code_is_a_crash(
    executor: JobExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_docker(tmp_path / "bin", FAKE_ENGINE, monkeypatch)

    outcome = executor.run(container_job(["sh", "-c", "echo broken >&2; exit 3"]))

    assert isinstance(outcome, Crashed), outcome
    assert "code 3" in outcome.detail
    assert "broken" in outcome.detail


def test_container_killed_with_137_is_out_of_memory(
    executor: JobExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_docker(tmp_path / "bin", FAKE_ENGINE, monkeypatch)

    outcome = executor.run(container_job(["sh", "-c", "exit 137"]))

    assert isinstance(outcome, OutOfMemory), outcome


def test_overrunning_container_is_killed_and_removed_by_name(
    executor: JobExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = install_fake_docker(tmp_path / "bin", FAKE_ENGINE, monkeypatch)
    limits = ResourceLimits(wall_seconds=1.0, memory_bytes=256 * MIB)

    outcome = executor.run(container_job(["sleep", "30"], tag=0xABC), limits)

    assert isinstance(outcome, TimedOut), outcome
    lines = log.read_text().splitlines()
    name = next(line.split()[3] for line in lines if line.startswith("run"))
    assert name.startswith("gpuc-" + (0xABC).to_bytes(32, "big").hex()[:16])
    assert f"rm --force {name}" in lines


def test_no_reachable_engine_is_a_clear_refusal(
    executor: JobExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = install_fake_docker(tmp_path / "bin", NO_DAEMON, monkeypatch)

    outcome = executor.run(container_job(["true"]))

    assert isinstance(outcome, Refused), outcome
    assert outcome.reason is RefusalReason.NO_CONTAINER_ENGINE
    assert "Cannot connect to the Docker daemon" in outcome.detail
    assert not log.exists() or "run" not in log.read_text()


def test_no_docker_command_is_a_clear_refusal(
    executor: JobExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    outcome = executor.run(container_job(["true"]))

    assert isinstance(outcome, Refused), outcome
    assert outcome.reason is RefusalReason.NO_CONTAINER_ENGINE
    assert "no 'docker' command on PATH" in outcome.detail


def test_malformed_container_spec_is_refused_before_the_engine_is_asked(
    executor: JobExecutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = install_fake_docker(tmp_path / "bin", FAKE_ENGINE, monkeypatch)
    spec = {"kind": "container", "image": "--privileged", "command": ["sh"]}

    outcome = executor.run(JobRequest(job_id=b"\x01" * 32, spec=spec))

    assert isinstance(outcome, Refused), outcome
    assert outcome.reason is RefusalReason.INVALID_SPEC
    assert "image" in outcome.detail
    assert not log.exists()
