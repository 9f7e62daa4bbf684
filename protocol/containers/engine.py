"""The container engine interface: which engine answers here, and the exact
commands a task runs with.

``podman`` (rootful with ``runc``, or rootless) and ``docker`` where a daemon
answers. The command builders are pure, so the isolation flags are checked
without an engine. On a host with an NVIDIA GPU and a CDI spec, the GPU is
passed through with ``--device nvidia.com/gpu=all``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from protocol.compute.errors import ContainerEngineError

__all__ = [
    "CONTAINERS_CONF",
    "ContainerEngine",
    "EngineStatus",
    "RunPlan",
    "detect_gpu",
    "find_engine",
    "probe_engine",
    "require_engine",
    "run_quiet",
]

# The project's containers.conf (default_ulimits = []); used unless the caller set one.
CONTAINERS_CONF = Path(__file__).with_name("containers.conf")
_CDI_SPECS = (Path("/etc/cdi"), Path("/var/run/cdi"))
EngineName = Literal["podman", "docker"]


class RunPlan(BaseModel):
    """One task's container, after the provider capped the spec's requests."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$")
    image: str
    command: tuple[str, ...]
    memory_bytes: int = Field(ge=16 * 2**20)
    cpus: float = Field(gt=0)
    pids: int = Field(ge=8)
    # Host directory mounted read-write at /out (the task's outputs).
    out_dir: str
    # Host directory mounted read-only at /in, if the task has inputs.
    in_dir: str | None = None
    # Scratch space at /tmp (tmpfs; it counts against the memory limit).
    tmp_mib: int = Field(default=64, ge=1)
    # cgroup (v1, cgroupfs) the container's cgroup is created under, for metrics.
    cgroup_parent: str | None = None


class ContainerEngine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: EngineName
    binary: str
    # OCI runtime (podman): runc works on hybrid cgroup hosts where crun refuses.
    runtime: str | None = None
    gpu: bool = False
    rootless: bool = False

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.name == "podman":
            env.setdefault("CONTAINERS_CONF", str(CONTAINERS_CONF))
        return env

    def run_command(self, plan: RunPlan) -> list[str]:
        """``run`` for one task: no network, read-only root, no capabilities, no
        privilege gain, an unprivileged user, bounded memory (no swap on top),
        CPUs and processes, removed on exit. Arguments after the image are the
        task's own and are never read as engine flags."""
        command = [self.binary]
        if self.runtime is not None:
            command += ["--runtime", self.runtime]
        command += [
            "run",
            "--rm",
            "--name",
            plan.name,
            "--network",
            "none",
            "--read-only",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
            "--user",
            "65534:65534",
            "--memory",
            f"{plan.memory_bytes}b",
            "--memory-swap",
            f"{plan.memory_bytes}b",
            "--cpus",
            f"{plan.cpus:g}",
            "--pids-limit",
            str(plan.pids),
            "--tmpfs",
            f"/tmp:rw,nosuid,nodev,noexec,size={plan.tmp_mib}m",
            "--volume",
            f"{plan.out_dir}:/out:rw",
            "--workdir",
            "/out",
            "--env",
            "HOME=/tmp",
            "--env",
            "PYTHONUNBUFFERED=1",
        ]
        if self.name == "podman":
            command += ["--read-only-tmpfs=false"]
        if plan.in_dir is not None:
            command += ["--volume", f"{plan.in_dir}:/in:ro"]
        if plan.cgroup_parent is not None:
            command += ["--cgroup-parent", plan.cgroup_parent]
        if self.gpu:
            if self.name == "podman":
                command += ["--device", "nvidia.com/gpu=all"]
            else:
                command += ["--gpus", "all"]
        return [*command, plan.image, *plan.command]

    def remove_command(self, name: str) -> list[str]:
        """Stop and remove a task's container that outlived its killed ``run``."""
        return [self.binary, "rm", "--force", "--time", "0", name]

    def image_exists_command(self, image: str) -> list[str]:
        return [self.binary, "image", "inspect", "--format", "{{.Id}}", image]

    def import_command(self, tarball: str, image: str) -> list[str]:
        return [self.binary, "import", tarball, image]

    def info_command(self) -> list[str]:
        """Answers only when the engine can run containers (Docker: its daemon)."""
        if self.name == "docker":
            return [self.binary, "version", "--format", "{{.Server.Version}}"]
        return [self.binary, "info", "--format", "{{.Host.OCIRuntime.Name}}"]


class EngineStatus(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    engine: ContainerEngine | None
    # The version/runtime when available, else why not (for the refusal message).
    detail: str


def detect_gpu() -> bool:
    """An NVIDIA GPU answers ``nvidia-smi -L`` and a CDI spec names it."""
    if shutil.which("nvidia-smi") is None:
        return False
    try:
        done = subprocess.run(
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    has_cdi = any(d.is_dir() and any(d.glob("nvidia*")) for d in _CDI_SPECS)
    return done.returncode == 0 and "GPU" in done.stdout and has_cdi


def _candidates(gpu: bool) -> list[ContainerEngine]:
    engines: list[ContainerEngine] = []
    podman = shutil.which("podman")
    if podman is not None:
        rootless = os.geteuid() != 0
        runtime = None if rootless or shutil.which("runc") is None else "runc"
        engines.append(
            ContainerEngine(
                name="podman", binary=podman, runtime=runtime, gpu=gpu, rootless=rootless
            )
        )
    docker = shutil.which("docker")
    if docker is not None:
        engines.append(ContainerEngine(name="docker", binary=docker, gpu=gpu))
    return engines


def probe_engine(engine: ContainerEngine, timeout_seconds: float = 20.0) -> str | None:
    """None when ``engine`` answers, else why not."""
    command = engine.info_command()
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout_seconds,
            check=False,
            env=engine.environment(),
        )
    except subprocess.TimeoutExpired:
        return f"`{' '.join(command)}` did not answer in {timeout_seconds} s"
    except OSError as exc:
        return f"cannot run `{command[0]}`: {exc}"
    if done.returncode != 0 or not done.stdout.strip():
        reason = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        return f"`{' '.join(command[:2])}` failed (exit {done.returncode}): {reason[:300]}"
    return None


def find_engine(gpu: bool | None = None, probe: bool = True) -> EngineStatus:
    """The first engine that answers: podman, then Docker. ``probe=False`` trusts
    the command being on PATH (for a job process whose parent already probed)."""
    with_gpu = detect_gpu() if gpu is None else gpu
    candidates = _candidates(with_gpu)
    if not candidates:
        return EngineStatus(engine=None, detail="no 'podman' or 'docker' command on PATH")
    problems: list[str] = []
    for engine in candidates:
        problem = probe_engine(engine) if probe else None
        if problem is None:
            return EngineStatus(engine=engine, detail=f"{engine.name} ({engine.binary})")
        problems.append(f"{engine.name}: {problem}")
    return EngineStatus(engine=None, detail="; ".join(problems))


def require_engine(gpu: bool | None = None, probe: bool = True) -> ContainerEngine:
    status = find_engine(gpu, probe)
    if status.engine is None:
        raise ContainerEngineError(f"no container engine answers here: {status.detail}")
    return status.engine


def run_quiet(
    engine: ContainerEngine, command: Sequence[str], timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run an engine housekeeping command (rm, inspect, import), output captured."""
    try:
        return subprocess.run(
            list(command),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=engine.environment(),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ContainerEngineError(f"`{' '.join(command[:3])}` failed: {exc}") from exc
