"""Run one container task: capped limits, live log, metrics, outputs.

The engine's ``run`` is started with stdout and stderr on one pipe; every chunk
goes to the log file (and to ``on_log``) as it arrives, so the log can be
followed while the task runs. A watchdog removes the container when the wall
time runs out. On a rootful cgroup v1 host the container's cgroup is created
under a per-task parent that outlives it, so CPU time and the memory peak can
be read after the container is gone; elsewhere those metrics are None. GPU
utilisation is sampled with nvidia-smi while the task runs where a GPU is passed
to it, else None with the reason (protocol.containers.gpu_metrics).
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from protocol.compute.container_result import MAX_OUTPUT_FILES, ContainerMetrics
from protocol.compute.container_spec import ContainerSpec
from protocol.compute.errors import ContainerEngineError, MalformedContainerResult
from protocol.containers.engine import ContainerEngine, RunPlan, run_quiet
from protocol.containers.gpu_metrics import GpuSampler

__all__ = [
    "ContainerCaps",
    "ContainerRun",
    "cleanup_task",
    "plan_for",
    "read_output_dir",
    "reference_outputs",
    "run_task",
]

_CGROUP_ROOT = Path("/sys/fs/cgroup")
_CGROUP_GROUP = "gpuc"
# The engine exits 137 when the task's main process got SIGKILL: the OOM killer,
# unless the watchdog removed it.
_SIGKILL_EXIT = 137
_CHUNK = 65536
MIB = 2**20


class ContainerCaps(BaseModel):
    """The most a provider lets one task use, whatever its spec asks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    memory_bytes: int = Field(default=2048 * MIB, ge=16 * MIB)
    cpus: float = Field(default=2.0, gt=0)
    pids: int = Field(default=256, ge=8)
    max_log_bytes: int = Field(default=8 * MIB, ge=1024)
    max_output_bytes: int = Field(default=256 * MIB, ge=1)


class ContainerRun(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    exit_code: int
    timed_out: bool
    out_of_memory: bool
    log: bytes = Field(repr=False)
    outputs: dict[str, bytes] = Field(repr=False)
    metrics: ContainerMetrics


def plan_for(
    spec: ContainerSpec,
    caps: ContainerCaps,
    *,
    name: str,
    out_dir: Path,
    in_dir: Path | None,
    cgroup_parent: str | None = None,
) -> RunPlan:
    """The spec's requests, each capped by the provider's configuration."""
    return RunPlan(
        name=name,
        image=spec.image,
        command=tuple(spec.command),
        memory_bytes=min(spec.memory_mib * MIB, caps.memory_bytes),
        cpus=min(spec.cpus, caps.cpus),
        pids=min(spec.pids, caps.pids),
        out_dir=str(out_dir),
        in_dir=None if in_dir is None else str(in_dir),
        cgroup_parent=cgroup_parent,
    )


def run_task(
    engine: ContainerEngine,
    spec: ContainerSpec,
    *,
    workdir: Path,
    name: str,
    inputs: bytes | None = None,
    caps: ContainerCaps | None = None,
    wall_seconds: float | None = None,
    on_log: Callable[[bytes], None] | None = None,
) -> ContainerRun:
    """Run ``spec`` once; ``workdir`` is private to this run. Never raises for what
    the task does (exit code, overrun, memory); raises ContainerEngineError when
    the engine cannot start it."""
    caps = caps or ContainerCaps()
    limit = float(spec.max_seconds) if wall_seconds is None else wall_seconds
    out_dir = workdir / "out"
    out_dir.mkdir(parents=True, exist_ok=False)
    out_dir.chmod(0o777)  # the task runs as nobody
    in_dir: Path | None = None
    if inputs is not None:
        in_dir = workdir / "in"
        in_dir.mkdir()
        (in_dir / "inputs.bin").write_bytes(inputs)
        (in_dir / "inputs.bin").chmod(0o444)
        in_dir.chmod(0o755)
    cgroup = _TaskCgroup.create(engine, name)
    plan = plan_for(
        spec,
        caps,
        name=name,
        out_dir=out_dir,
        in_dir=in_dir,
        cgroup_parent=None if cgroup is None else cgroup.parent,
    )
    log_path = workdir / "container.log"
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            engine.run_command(plan),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=engine.environment(),
        )
    except OSError as exc:
        if cgroup is not None:
            cgroup.remove()
        raise ContainerEngineError(f"cannot start {engine.binary}: {exc}") from exc
    expired = threading.Event()

    def _expire() -> None:
        expired.set()
        with contextlib.suppress(ContainerEngineError):
            run_quiet(engine, engine.remove_command(name), timeout=60)
        with contextlib.suppress(OSError):
            process.kill()

    watchdog = threading.Timer(limit, _expire)
    watchdog.daemon = True
    watchdog.start()
    gpu = GpuSampler(engine.gpu)
    gpu.start()
    try:
        log = _pump(process, log_path, caps.max_log_bytes, on_log)
        exit_code = process.wait()
    finally:
        watchdog.cancel()
        gpu_utilization, gpu_note = gpu.stop()
    wall = time.monotonic() - started
    cpu_seconds, memory_peak = (None, None) if cgroup is None else cgroup.read_and_remove()
    timed_out = expired.is_set()
    outputs = read_output_dir(out_dir, max_bytes=caps.max_output_bytes)
    return ContainerRun(
        exit_code=exit_code,
        timed_out=timed_out,
        out_of_memory=exit_code == _SIGKILL_EXIT and not timed_out,
        log=log,
        outputs=outputs,
        metrics=ContainerMetrics(
            wall_seconds=round(wall, 3),
            cpu_seconds=cpu_seconds,
            memory_peak_bytes=memory_peak,
            gpu_utilization=gpu_utilization,
            gpu_note=gpu_note,
        ),
    )


def _pump(
    process: subprocess.Popen[bytes],
    log_path: Path,
    max_bytes: int,
    on_log: Callable[[bytes], None] | None,
) -> bytes:
    """Copy the task's output to the log file as it comes; keep the first
    ``max_bytes`` and drain (and drop) the rest so the task never blocks."""
    assert process.stdout is not None
    kept = bytearray()
    truncated = False
    fd = process.stdout.fileno()
    with log_path.open("wb") as log_file:
        while True:
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                break
            room = max_bytes - len(kept)
            if room <= 0:
                truncated = True
                continue
            piece = chunk[:room]
            truncated = truncated or len(piece) < len(chunk)
            kept += piece
            log_file.write(piece)
            log_file.flush()
            if on_log is not None:
                on_log(piece)
        if truncated:
            note = f"\n[gpuc: log truncated at {max_bytes} bytes]\n".encode()
            kept += note
            log_file.write(note)
    process.stdout.close()
    return bytes(kept)


class _TaskCgroup:
    """A per-task cgroup v1 parent (cgroupfs manager, rootful only)."""

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def parent(self) -> str:
        return f"/{_CGROUP_GROUP}/{self.name}"

    @classmethod
    def create(cls, engine: ContainerEngine, name: str) -> _TaskCgroup | None:
        memory = _CGROUP_ROOT / "memory"
        if engine.name != "podman" or engine.rootless or not memory.is_dir():
            return None
        task = cls(name)
        try:
            for controller in ("memory", "cpuacct"):
                (_CGROUP_ROOT / controller / _CGROUP_GROUP / name).mkdir(parents=True)
        except OSError:
            task.remove()
            return None
        return task

    def read_and_remove(self) -> tuple[float | None, int | None]:
        try:
            cpu_ns = int(self._path("cpuacct", "cpuacct.usage").read_text())
            peak = int(self._path("memory", "memory.max_usage_in_bytes").read_text())
        except (OSError, ValueError):
            return None, None
        finally:
            self.remove()
        return round(cpu_ns / 1e9, 3), peak

    def _path(self, controller: str, file: str) -> Path:
        return _CGROUP_ROOT / controller / _CGROUP_GROUP / self.name / file

    def remove(self) -> None:
        """Remove this task's cgroup directories (children first) in every hierarchy
        the engine created them in; conmon may linger a moment, so retry briefly."""
        for _ in range(20):
            left = False
            for hierarchy in _CGROUP_ROOT.iterdir():
                top = hierarchy / _CGROUP_GROUP / self.name
                if not top.is_dir() or top.is_symlink():
                    continue
                for directory in sorted(
                    (p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)
                ):
                    with contextlib.suppress(OSError):
                        directory.rmdir()
                try:
                    top.rmdir()
                except OSError:
                    left = True
            if not left:
                return
            time.sleep(0.05)


def cleanup_task(engine: ContainerEngine, name: str) -> None:
    """Remove a task's container and cgroups after its ``run`` was killed from
    outside (best effort: the container may never have been created)."""
    with contextlib.suppress(ContainerEngineError):
        run_quiet(engine, engine.remove_command(name), timeout=60)
    _TaskCgroup(name).remove()


def reference_outputs(
    engine: ContainerEngine,
    spec: ContainerSpec,
    inputs: bytes | None,
    *,
    caps: ContainerCaps | None = None,
    work_root: Path | None = None,
) -> dict[str, bytes]:
    """Run ``spec`` again (an oracle's re-execution) and return the files it wrote.
    Raises ContainerEngineError when the re-run itself does not finish cleanly: then
    the task cannot be judged by re-execution."""
    name = f"gpuc-verify-{uuid.uuid4().hex[:16]}"
    with tempfile.TemporaryDirectory(prefix="gpuc-verify-", dir=work_root) as scratch:
        run = run_task(
            engine, spec, workdir=Path(scratch) / "task", name=name, inputs=inputs, caps=caps
        )
    if run.timed_out or run.out_of_memory or run.exit_code != 0:
        tail = run.log[-500:].decode(errors="replace")
        raise ContainerEngineError(
            f"the re-run of {spec.image} did not finish cleanly (exit {run.exit_code}, "
            f"timed out: {run.timed_out}): {tail}"
        )
    return run.outputs


def read_output_dir(
    root: Path, max_files: int = MAX_OUTPUT_FILES, max_bytes: int = 2**30
) -> dict[str, bytes]:
    """Every regular file under ``root``, by relative path. Symbolic links are never
    followed (a task could point one at a host file) and are refused, like devices."""
    outputs: dict[str, bytes] = {}
    total = 0
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        for name in sorted(dirnames):
            if os.path.islink(os.path.join(directory, name)):
                raise MalformedContainerResult(f"output {name!r} is a symbolic link")
        for name in sorted(filenames):
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode):
                raise MalformedContainerResult(f"output {relative!r} is not a regular file")
            if len(outputs) >= max_files:
                raise MalformedContainerResult(f"the task wrote more than {max_files} files")
            total += info.st_size
            if total > max_bytes:
                raise MalformedContainerResult(f"the task's outputs exceed {max_bytes} bytes")
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as handle:
                outputs[relative] = handle.read()
    return outputs
