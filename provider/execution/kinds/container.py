"""The ``container`` kind: an OCI image run under podman (or Docker), isolated.

The spec (protocol.compute.container_spec) asks for memory, CPUs and processes;
the provider's limits cap them (memory by the executor's ``memory_bytes``).
The task's stdout and stderr go to ``task/container.log`` in the job's workdir
as they come (the agent can follow it live); the result is the archive of
protocol.compute.container_result: the files the task wrote to /out, the log
and the metrics, all under the receipt's result hash. Refused with
NO_CONTAINER_ENGINE where no engine answers. If the job overruns, the executor
kills the job process and ``after_kill`` removes the container by name.
Units: wall seconds the container ran, as recorded in the result's metrics,
rounded up (docs/protocol-types.md).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from protocol.compute.container_result import pack_result, unpack_result
from protocol.compute.container_spec import container_units, parse_container_spec
from protocol.compute.embedding_inputs import inputs_hash
from protocol.compute.errors import ContainerEngineError, MalformedInputs
from protocol.containers.engine import ContainerEngine, find_engine, require_engine
from protocol.containers.runner import ContainerCaps, cleanup_task, run_task
from provider.errors import JobFailure, JobOutOfMemory, JobRefused
from provider.execution.job import RunContext
from provider.execution.kind import JobKind
from provider.execution.outcome import RefusalReason

__all__ = ["CONTAINER", "LOG_FILE", "TASK_DIR", "run_container"]

TASK_DIR = "task"
LOG_FILE = "container.log"
_LOG_TAIL = 2000
# A probe that succeeded is trusted this long (one `podman info` costs ~0.3 s).
_PROBE_TTL_SECONDS = 60.0
_last_ok: list[float] = []


def run_container(context: RunContext) -> bytes:
    spec = parse_container_spec(context.spec)
    try:
        engine = require_engine(probe=False)
    except ContainerEngineError as exc:
        raise JobRefused(RefusalReason.NO_CONTAINER_ENGINE, str(exc)) from None
    caps = ContainerCaps(
        memory_bytes=context.memory_bytes, cpus=context.container_cpus, pids=context.container_pids
    )
    try:
        run = run_task(
            engine,
            spec,
            workdir=Path(context.workdir) / TASK_DIR,
            name=context.label,
            inputs=context.inputs,
            caps=caps,
            wall_seconds=min(float(spec.max_seconds), context.wall_seconds),
        )
    except ContainerEngineError as exc:
        raise JobFailure(str(exc)) from None
    tail = run.log[-_LOG_TAIL:].decode(errors="replace")
    if run.timed_out:
        raise JobFailure(f"the task ran past its max_seconds ({spec.max_seconds} s): {tail}")
    if run.out_of_memory:
        raise JobOutOfMemory(f"container killed (exit 137), most likely at --memory: {tail}")
    if run.exit_code != 0:
        raise JobFailure(f"container exited with code {run.exit_code}: {tail}")
    return pack_result(
        run.outputs,
        run.log,
        run.metrics,
        exit_code=run.exit_code,
        engine=engine.name,
        gpu=engine.gpu,
    )


def _preflight() -> None:
    if _last_ok and time.monotonic() - _last_ok[0] < _PROBE_TTL_SECONDS:
        return
    status = find_engine()
    if status.engine is None:
        raise JobRefused(
            RefusalReason.NO_CONTAINER_ENGINE,
            f"container jobs need podman or a Docker engine and none answers here: {status.detail}",
        )
    _last_ok[:] = [time.monotonic()]


def _validate(document: dict[str, Any], inputs: bytes | None) -> None:
    spec = parse_container_spec(document)
    if spec.inputs_hash is None:
        if inputs is not None:
            raise MalformedInputs("the spec names no inputs_hash but an input file was given")
        return
    if inputs is None:
        raise MalformedInputs(f"the spec names inputs {spec.inputs_hash} and none were given")
    if inputs_hash(inputs) != spec.inputs_hash:
        raise MalformedInputs(
            f"the input file hashes to {inputs_hash(inputs)}, the spec names {spec.inputs_hash}"
        )


def _units(document: dict[str, Any], wall_seconds: float) -> int:
    return container_units(wall_seconds)


def _units_of_result(document: dict[str, Any], result: bytes) -> int:
    """The seconds the container ran (its engine's run to exit), not the job process's
    lifetime: interpreter and engine client start-up are not the consumer's time."""
    return container_units(unpack_result(result).manifest.metrics.wall_seconds)


def _engine_for_cleanup() -> ContainerEngine | None:
    status = find_engine(gpu=False, probe=False)
    return status.engine


def _remove_container(context: RunContext) -> None:
    engine = _engine_for_cleanup()
    if engine is not None:
        cleanup_task(engine, context.label)


CONTAINER = JobKind(
    name="container",
    run=run_container,
    validate=_validate,
    units=_units,
    preflight=_preflight,
    limit_address_space=False,
    after_kill=_remove_container,
    units_of_result=_units_of_result,
)
