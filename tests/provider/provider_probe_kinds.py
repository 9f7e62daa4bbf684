"""Job kinds that misbehave on purpose, to test the executor's limits.

Their ``run`` functions are module-level so the job process imports them by
name (this directory is on the parent's sys.path under pytest, and the executor
passes its sys.path on).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from provider.execution.job import RunContext
from provider.execution.kind import JobKind
from provider.execution.registry import KindRegistry


def sleep_run(context: RunContext) -> bytes:
    time.sleep(float(context.spec["seconds"]))
    return b"slept"


def allocate_run(context: RunContext) -> bytes:
    # Touch every page so the allocation is real, not just reserved.
    block = bytearray(int(context.spec["bytes"]))
    block[::4096] = b"\x01" * len(block[::4096])
    return b"allocated"


def abort_run(context: RunContext) -> bytes:
    os.abort()


def raise_run(context: RunContext) -> bytes:
    raise RuntimeError("the job's own bug")


def spawn_sleeper_run(context: RunContext) -> bytes:
    # A grandchild in the job's process group, which the kill must take down too.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    Path(str(context.spec["pid_file"])).write_text(str(child.pid))
    time.sleep(60)
    return b"never"


def echo_run(context: RunContext) -> bytes:
    return (context.inputs or b"") + context.device.encode()


def _accept(spec: dict[str, Any], inputs: bytes | None) -> None:
    return None


def _one_unit(spec: dict[str, Any], wall_seconds: float) -> int:
    return 1


def probe_kind(name: str, run: Any) -> JobKind:
    return JobKind(name=name, run=run, validate=_accept, units=_one_unit)


def probe_registry() -> KindRegistry:
    return KindRegistry(
        [
            probe_kind("sleep", sleep_run),
            probe_kind("allocate", allocate_run),
            probe_kind("abort", abort_run),
            probe_kind("raise", raise_run),
            probe_kind("spawn_sleeper", spawn_sleeper_run),
            probe_kind("echo", echo_run),
        ]
    )
