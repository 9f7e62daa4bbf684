"""The ``container`` kind: run an image through Docker, its stdout is the result.

Refused with NO_CONTAINER_ENGINE where ``docker info`` does not answer. The
memory limit goes to ``docker run --memory`` (the engine enforces it on the
container; RLIMIT_AS on the docker client would only break the client). If the
job overruns, the executor kills ``docker run`` and ``after_kill`` removes the
container by name. Units: wall seconds, rounded up (docs/protocol-types.md
does not define container units yet).
"""

from __future__ import annotations

import contextlib
import math
import subprocess
from pathlib import Path
from typing import Any

from provider.errors import JobFailure, JobOutOfMemory, JobRefused
from provider.execution.docker_engine import (
    docker_remove_command,
    docker_run_command,
    probe_engine,
)
from provider.execution.job import RunContext
from provider.execution.kind import JobKind
from provider.execution.kinds.container_spec import parse_container_spec
from provider.execution.outcome import RefusalReason

__all__ = ["CONTAINER", "container_units", "run_container"]

# docker run exits 137 when the container's main process got SIGKILL: the OOM killer.
_SIGKILL_EXIT = 137
_STDERR_TAIL = 2000


def container_units(wall_seconds: float) -> int:
    """Whole seconds, rounded up, at least one."""
    return max(1, math.ceil(wall_seconds))


def run_container(context: RunContext) -> bytes:
    spec = parse_container_spec(context.spec)
    command = docker_run_command(spec.image, spec.command, context.label, context.memory_bytes)
    stdout_path = Path(context.workdir) / "container.stdout"
    with stdout_path.open("wb") as stdout:
        done = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, check=False)
    stderr = done.stderr.decode(errors="replace")[-_STDERR_TAIL:]
    if done.returncode == _SIGKILL_EXIT:
        raise JobOutOfMemory(f"container killed (exit 137), most likely at --memory: {stderr}")
    if done.returncode != 0:
        raise JobFailure(f"container exited with code {done.returncode}: {stderr}")
    return stdout_path.read_bytes()


def _preflight() -> None:
    status = probe_engine()
    if not status.available:
        raise JobRefused(
            RefusalReason.NO_CONTAINER_ENGINE,
            f"container jobs need a Docker engine and none answers here: {status.detail}",
        )


def _validate(document: dict[str, Any], inputs: bytes | None) -> None:
    parse_container_spec(document)


def _units(document: dict[str, Any], wall_seconds: float) -> int:
    return container_units(wall_seconds)


def _remove_container(context: RunContext) -> None:
    # Best effort: the container may never have been created.
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            docker_remove_command(context.label), capture_output=True, timeout=30, check=False
        )


CONTAINER = JobKind(
    name="container",
    run=run_container,
    validate=_validate,
    units=_units,
    preflight=_preflight,
    limit_address_space=False,
    after_kill=_remove_container,
)
