"""The container verifier's re-execution, on this machine's engine (I/O, so it
lives outside oracles.verify): the engine is found on first use, so an oracle
without one still judges every other kind."""

from __future__ import annotations

from pathlib import Path

from oracles.verify.container import Rerun
from protocol.compute.container_spec import ContainerSpec
from protocol.containers.engine import require_engine
from protocol.containers.runner import ContainerCaps, reference_outputs

__all__ = ["engine_rerun"]


def engine_rerun(caps: ContainerCaps | None = None, work_root: Path | None = None) -> Rerun:
    def rerun(spec: ContainerSpec, inputs: bytes | None) -> dict[str, bytes]:
        # Raises ContainerEngineError (the verifier's "cannot judge") without an engine.
        engine = require_engine()
        return reference_outputs(engine, spec, inputs, caps=caps, work_root=work_root)

    return rerun
