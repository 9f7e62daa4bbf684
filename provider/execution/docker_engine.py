"""Docker: is an engine reachable, and the exact commands the container kind runs.

The command builders are pure so their flags can be checked without an engine.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

__all__ = [
    "DOCKER",
    "EngineStatus",
    "docker_remove_command",
    "docker_run_command",
    "probe_engine",
]

DOCKER = "docker"
PIDS_LIMIT = 512


class EngineStatus(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    available: bool
    # The server version when available, else why not (for the refusal message).
    detail: str


def probe_engine(timeout_seconds: float = 5.0, docker: str = DOCKER) -> EngineStatus:
    """Ask the engine for its version; any failure means no engine to run containers on."""
    command = [docker, "info", "--format", "{{.ServerVersion}}"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_seconds, check=False
        )
    except FileNotFoundError:
        return EngineStatus(available=False, detail=f"no {docker!r} command on PATH")
    except subprocess.TimeoutExpired:
        return EngineStatus(
            available=False, detail=f"`{docker} info` did not answer in {timeout_seconds} s"
        )
    except OSError as exc:
        return EngineStatus(available=False, detail=f"cannot run `{docker} info`: {exc}")
    version = done.stdout.strip()
    if done.returncode != 0 or not version:
        reason = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        return EngineStatus(
            available=False,
            detail=f"`{docker} info` failed (exit {done.returncode}): {reason[:300]}",
        )
    return EngineStatus(available=True, detail=version)


def docker_run_command(
    image: str,
    command: Sequence[str],
    name: str,
    memory_bytes: int,
    docker: str = DOCKER,
) -> list[str]:
    """``docker run`` for one job: no network, memory capped with no swap on top,
    no capabilities, no privilege gain, a bounded process count, removed on exit."""
    return [
        docker,
        "run",
        "--rm",
        "--name",
        name,
        "--network",
        "none",
        "--memory",
        f"{memory_bytes}b",
        "--memory-swap",
        f"{memory_bytes}b",
        "--pids-limit",
        str(PIDS_LIMIT),
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        image,
        *command,
    ]


def docker_remove_command(name: str, docker: str = DOCKER) -> list[str]:
    """Stop and remove a job's container that outlived its killed ``docker run``."""
    return [docker, "rm", "--force", name]
