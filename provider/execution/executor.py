"""Run one job in a fresh process and turn however it ends into a typed outcome.

The job process is ``python -m provider.execution.job_process <workdir>``
started in a new session, so it leads its own process group. Each job gets a
private workdir; the job process reports through files there. An overrun kills
the job's whole process group, a kind's ``after_kill`` hook stops what outlives
it (a container), and the caller gets a TimedOut outcome and carries on.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from provider.errors import ExecutionError, UnknownJobKind
from provider.execution.job import ComputeDevice, JobRequest, RunContext
from provider.execution.job_process import (
    RESULT_FILE,
    JobOrder,
    read_status,
    runner_reference,
    write_order,
)
from provider.execution.kind import JobKind
from provider.execution.limits import ResourceLimits
from provider.execution.outcome import (
    AnyOutcome,
    Crashed,
    OutOfMemory,
    RefusalReason,
    Refused,
    Succeeded,
    TimedOut,
)
from provider.execution.refusals import refusal_of
from provider.execution.registry import KindRegistry
from provider.results.content_hash import result_hash

__all__ = ["JOB_PROCESS_MODULE", "JobExecutor"]

JOB_PROCESS_MODULE = "provider.execution.job_process"
_STDERR_FILE = "stderr.txt"
_STDERR_TAIL = 2000
# After SIGKILL a process is gone within milliseconds; wait this long at most.
_REAP_SECONDS = 10.0


class JobExecutor:
    """``JobExecutor(registry).run(request)``: blocking, safe to call from several threads."""

    def __init__(
        self,
        registry: KindRegistry,
        limits: ResourceLimits | None = None,
        device: ComputeDevice = "cpu",
        work_root: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry
        self.limits = limits or ResourceLimits()
        self.device: ComputeDevice = device
        self.work_root = work_root
        self._clock = clock

    def run(self, request: JobRequest, limits: ResourceLimits | None = None) -> AnyOutcome:
        limits = limits or self.limits
        started = self._clock()
        try:
            kind = self.registry.get(request.kind)
        except UnknownJobKind as exc:
            return self._refused(request, started, RefusalReason.UNKNOWN_KIND, str(exc))
        try:
            kind.validate(request.spec, request.inputs)
            kind.preflight()
        except Exception as exc:
            refusal = refusal_of(exc)
            if refusal is None:
                raise
            return self._refused(request, started, *refusal)
        if self.work_root is not None:
            self.work_root.mkdir(parents=True, exist_ok=True)
        # Named by job id so the agent can find a running task's live log.
        workdir = Path(
            tempfile.mkdtemp(prefix=f"gpuc-job-{request.job_id.hex()}-", dir=self.work_root)
        )
        try:
            return self._run_in_process(kind, request, limits, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _run_in_process(
        self, kind: JobKind, request: JobRequest, limits: ResourceLimits, workdir: Path
    ) -> AnyOutcome:
        context = RunContext(
            spec=request.spec,
            inputs=request.inputs,
            device=self.device,
            memory_bytes=limits.memory_bytes,
            wall_seconds=limits.wall_seconds,
            workdir=str(workdir),
            container_cpus=limits.container_cpus,
            container_pids=limits.container_pids,
            label=f"gpuc-{request.job_id.hex()[:16]}-{uuid.uuid4().hex[:8]}",
        )
        order = JobOrder(
            runner=runner_reference(kind.run),
            context=context,
            limit_address_space=kind.limit_address_space,
            max_result_bytes=limits.max_result_bytes,
        )
        write_order(workdir, order)
        started = self._clock()
        with (workdir / _STDERR_FILE).open("wb") as stderr:
            try:
                process = subprocess.Popen(
                    [sys.executable, "-m", JOB_PROCESS_MODULE, str(workdir)],
                    stdin=subprocess.DEVNULL,
                    stdout=stderr,
                    stderr=stderr,
                    cwd=workdir,
                    env=_job_environment(),
                    start_new_session=True,
                )
            except OSError as exc:
                raise ExecutionError(f"cannot start a job process: {exc}") from exc
            try:
                exit_code = process.wait(timeout=limits.wall_seconds)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                finished = self._clock()
                if kind.after_kill is not None:
                    kind.after_kill(context)
                return TimedOut(
                    job_id=request.job_id,
                    kind=kind.name,
                    started_at=started,
                    finished_at=finished,
                    limit_seconds=limits.wall_seconds,
                )
        finished = self._clock()
        common = {
            "job_id": request.job_id,
            "kind": kind.name,
            "started_at": started,
            "finished_at": finished,
        }
        status = read_status(workdir)
        if status is None:
            detail = f"{_describe_exit(exit_code)}; stderr: {_stderr_tail(workdir)}"
            return Crashed(**common, exit_code=exit_code, detail=detail)
        match status.get("status"):
            case "succeeded":
                result = (workdir / RESULT_FILE).read_bytes()
                units = (
                    kind.units(request.spec, finished - started)
                    if kind.units_of_result is None
                    else kind.units_of_result(request.spec, result)
                )
                return Succeeded(
                    **common, result=result, result_hash=result_hash(result), units=units
                )
            case "out_of_memory":
                return OutOfMemory(
                    **common, limit_bytes=limits.memory_bytes, detail=status.get("detail", "")
                )
            case "refused":
                return Refused(
                    **common,
                    reason=RefusalReason(status.get("reason", RefusalReason.UNSUPPORTED)),
                    detail=status.get("detail", ""),
                )
            case _:
                return Crashed(**common, exit_code=exit_code, detail=status.get("detail", ""))

    def _refused(
        self, request: JobRequest, started: float, reason: RefusalReason, detail: str
    ) -> Refused:
        return Refused(
            job_id=request.job_id,
            kind=request.kind,
            started_at=started,
            finished_at=self._clock(),
            reason=reason,
            detail=detail,
        )


def _job_environment() -> dict[str, str]:
    # The job process imports kinds by module name: give it this process's path.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        # start_new_session made the job process a group leader with its own pid.
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    try:
        process.wait(timeout=_REAP_SECONDS)
    except subprocess.TimeoutExpired:
        raise ExecutionError(
            f"job process {process.pid} survived SIGKILL for {_REAP_SECONDS} s"
        ) from None


def _describe_exit(exit_code: int) -> str:
    if exit_code < 0:
        number = -exit_code
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        hint = " (the kernel OOM killer or an operator)" if number == signal.SIGKILL else ""
        return f"job process died on {name}{hint} before reporting"
    return f"job process exited with code {exit_code} before reporting a result"


def _stderr_tail(workdir: Path) -> str:
    try:
        text = (workdir / _STDERR_FILE).read_bytes()[-_STDERR_TAIL:]
    except OSError:
        return "(none)"
    return text.decode(errors="replace").strip() or "(empty)"
