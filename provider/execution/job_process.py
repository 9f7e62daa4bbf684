"""The job process: ``python -m provider.execution.job_process <workdir>``.

A fresh interpreter (not a fork, and not multiprocessing's spawn, which would
re-import the agent's ``__main__`` in every job). It reads ``order.json`` (and
``inputs.bin`` if there is one) from the workdir, makes itself the leader of
its own process group (the parent starts it with ``start_new_session``), sets
its limits, runs the kind's ``run`` function and writes ``result.bin`` and then
``status.json`` atomically. No status file means the process died before it
could report (a signal, or a crash below Python).
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from provider.errors import JobFailure, JobOutOfMemory
from provider.execution.job import RunContext
from provider.execution.refusals import refusal_of

__all__ = [
    "INPUTS_FILE",
    "ORDER_FILE",
    "RESULT_FILE",
    "STATUS_FILE",
    "JobOrder",
    "read_status",
    "runner_reference",
    "write_order",
]

ORDER_FILE = "order.json"
INPUTS_FILE = "inputs.bin"
RESULT_FILE = "result.bin"
STATUS_FILE = "status.json"

# Allocation failures that libraries report as RuntimeError rather than MemoryError.
_ALLOCATION_MESSAGES = ("can't allocate memory", "out of memory", "cannot allocate memory")


class JobOrder(BaseModel):
    """What the parent tells the job process (the context without its inputs)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    runner: str  # "package.module:function"
    context: RunContext
    limit_address_space: bool
    max_result_bytes: int


def runner_reference(run: Callable[[RunContext], bytes]) -> str:
    """``module:qualname`` of a module-level function; refuses anything else, since
    the job process must import it by name."""
    reference = f"{run.__module__}:{run.__qualname__}"
    if _resolve(reference) is not run:
        raise ValueError(
            f"job kind runner {reference} is not importable by name; use a module-level function"
        )
    return reference


def _resolve(reference: str) -> object:
    module_name, _, qualname = reference.partition(":")
    target: object = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part, None)
    return target


def write_order(workdir: Path, order: JobOrder) -> None:
    inputs = order.context.inputs
    if inputs is not None:
        (workdir / INPUTS_FILE).write_bytes(inputs)
    payload = order.model_dump(mode="json", exclude={"context": {"inputs"}})
    (workdir / ORDER_FILE).write_text(json.dumps(payload))


def _read_order(workdir: Path) -> JobOrder:
    payload = json.loads((workdir / ORDER_FILE).read_text())
    inputs_path = workdir / INPUTS_FILE
    if inputs_path.exists():
        payload["context"]["inputs"] = inputs_path.read_bytes()
    return JobOrder.model_validate(payload)


def run_order(workdir: Path) -> None:
    order = _read_order(workdir)
    context = order.context
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if order.limit_address_space:
        resource.setrlimit(resource.RLIMIT_AS, (context.memory_bytes, context.memory_bytes))
    try:
        run = _resolve(order.runner)
        if not callable(run):
            raise JobFailure(f"job runner {order.runner} is not a function")
        result = run(context)
        if not isinstance(result, bytes):
            raise JobFailure(f"job runner {order.runner} returned {type(result).__name__}")
        if len(result) > order.max_result_bytes:
            raise JobFailure(
                f"result is {len(result)} bytes, over the {order.max_result_bytes} limit"
            )
        (workdir / RESULT_FILE).write_bytes(result)
        del result
        status = {"status": "succeeded"}
    except MemoryError as exc:
        status = {"status": "out_of_memory", "detail": f"MemoryError: {exc}"}
    except BaseException as exc:  # everything the job does wrong becomes a status
        status = _classify(exc)
    _write_status(workdir, status)


def _classify(exc: BaseException) -> dict[str, str]:
    refusal = refusal_of(exc)
    if refusal is not None:
        return {"status": "refused", "reason": refusal[0].value, "detail": refusal[1]}
    if isinstance(exc, JobOutOfMemory):
        return {"status": "out_of_memory", "detail": str(exc)}
    if isinstance(exc, RuntimeError) and any(m in str(exc).lower() for m in _ALLOCATION_MESSAGES):
        return {"status": "out_of_memory", "detail": f"{type(exc).__name__}: {exc}"}
    if isinstance(exc, JobFailure):
        return {"status": "crashed", "detail": str(exc)}
    tail = "".join(traceback.format_exception(exc)[-3:]).strip()
    return {"status": "crashed", "detail": f"{type(exc).__name__}: {exc}\n{tail}"[:4000]}


def _write_status(workdir: Path, status: dict[str, str]) -> None:
    temp = workdir / (STATUS_FILE + ".tmp")
    temp.write_text(json.dumps(status))
    os.replace(temp, workdir / STATUS_FILE)


def read_status(workdir: Path) -> dict[str, str] | None:
    """The job process's report, or None if it wrote none."""
    try:
        loaded = json.loads((workdir / STATUS_FILE).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if not isinstance(loaded, dict):
        return None
    return {str(k): str(v) for k, v in loaded.items()}


if __name__ == "__main__":
    run_order(Path(sys.argv[1]))
