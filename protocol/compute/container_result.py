"""A container task's result: one deterministic tar archive (docs/protocol-types.md).

Members, in this order: ``manifest.json``, ``log.txt`` (stdout and stderr as the
task wrote them, interleaved) and ``out/<path>`` for each file the task wrote to
its output directory. The manifest names the sha256 of every output and of the
log, so the receipt's result hash (keccak256 of the archive) signs the log and
the metrics along with the outputs. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import PurePosixPath

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protocol.compute.errors import MalformedArray, MalformedContainerResult
from protocol.compute.npy_codec import decode_npy

__all__ = [
    "MAX_OUTPUT_FILES",
    "ContainerManifest",
    "ContainerMetrics",
    "ContainerResult",
    "compare_outputs",
    "outputs_hash",
    "pack_result",
    "sha256_ref",
    "unpack_result",
]

MAX_OUTPUT_FILES = 1000
MANIFEST = "manifest.json"
LOG = "log.txt"
OUT = "out/"


def sha256_ref(data: bytes) -> str:
    return "0x" + hashlib.sha256(data).hexdigest()


class ContainerMetrics(BaseModel):
    """What the task used, as the provider's engine measured it (None: not measurable here)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    wall_seconds: float = Field(ge=0)
    cpu_seconds: float | None = Field(default=None, ge=0)
    memory_peak_bytes: int | None = Field(default=None, ge=0)
    gpu_utilization: float | None = Field(default=None, ge=0, le=1)
    # Why gpu_utilization is None (no GPU passed to the task, nvidia-smi gave nothing).
    gpu_note: str | None = Field(default=None, max_length=300)


class ContainerManifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = 1
    exit_code: int
    engine: str
    gpu: bool = False
    metrics: ContainerMetrics
    log_hash: str
    outputs: dict[str, str]
    outputs_hash: str


class ContainerResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    manifest: ContainerManifest
    log: bytes = Field(repr=False)
    outputs: dict[str, bytes] = Field(repr=False)


def outputs_hash(outputs: dict[str, bytes]) -> str:
    """sha256 of the sorted (name, sha256) list: equal for equal output sets."""
    listing = json.dumps(
        sorted((name, sha256_ref(data)) for name, data in outputs.items()), separators=(",", ":")
    )
    return sha256_ref(listing.encode())


def pack_result(
    outputs: dict[str, bytes],
    log: bytes,
    metrics: ContainerMetrics,
    *,
    exit_code: int,
    engine: str,
    gpu: bool = False,
) -> bytes:
    for name in outputs:
        _check_name(name)
    manifest = ContainerManifest(
        exit_code=exit_code,
        engine=engine,
        gpu=gpu,
        metrics=metrics,
        log_hash=sha256_ref(log),
        outputs={name: sha256_ref(data) for name, data in sorted(outputs.items())},
        outputs_hash=outputs_hash(outputs),
    )
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, MANIFEST, json.dumps(manifest.model_dump(mode="json"), sort_keys=True).encode())
        _add(tar, LOG, log)
        for name, data in sorted(outputs.items()):
            _add(tar, OUT + name, data)
    return buffer.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def _check_name(name: str) -> None:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or str(path) != name:
        raise MalformedContainerResult(f"output name {name!r} is not a plain relative path")


def unpack_result(data: bytes) -> ContainerResult:
    """Parse and check an archive: every hash in the manifest matches its member."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            members: dict[str, bytes] = {}
            for info in tar:
                if not info.isfile():
                    raise MalformedContainerResult(f"member {info.name!r} is not a regular file")
                if info.name in members:
                    raise MalformedContainerResult(f"member {info.name!r} appears twice")
                if len(members) > MAX_OUTPUT_FILES + 2:
                    raise MalformedContainerResult(f"more than {MAX_OUTPUT_FILES} outputs")
                extracted = tar.extractfile(info)
                members[info.name] = extracted.read() if extracted is not None else b""
    except (tarfile.TarError, EOFError) as exc:
        raise MalformedContainerResult(f"not a tar archive: {exc}") from None
    if MANIFEST not in members or LOG not in members:
        raise MalformedContainerResult(f"the archive lacks {MANIFEST} or {LOG}")
    try:
        manifest = ContainerManifest.model_validate_json(members.pop(MANIFEST))
    except ValidationError as exc:
        raise MalformedContainerResult(f"bad manifest: {exc.errors()[0]['msg']}") from None
    log = members.pop(LOG)
    outputs: dict[str, bytes] = {}
    for name, content in members.items():
        if not name.startswith(OUT):
            raise MalformedContainerResult(f"unexpected member {name!r}")
        _check_name(name[len(OUT) :])
        outputs[name[len(OUT) :]] = content
    if sha256_ref(log) != manifest.log_hash:
        raise MalformedContainerResult("the log does not hash to the manifest's log_hash")
    listed = {name: sha256_ref(content) for name, content in outputs.items()}
    if listed != manifest.outputs or outputs_hash(outputs) != manifest.outputs_hash:
        raise MalformedContainerResult("the outputs do not hash to the manifest's outputs")
    return ContainerResult(manifest=manifest, log=log, outputs=outputs)


def compare_outputs(
    claimed: dict[str, bytes], reference: dict[str, bytes], tolerance: float | None
) -> list[str]:
    """Why ``claimed`` is not ``reference`` (empty when they agree). With a tolerance,
    ``.npy`` outputs compare as numbers: |a - b| <= tolerance * (1 + |b|)."""
    problems: list[str] = []
    missing = sorted(set(reference) - set(claimed))
    extra = sorted(set(claimed) - set(reference))
    if missing:
        problems.append(f"missing outputs: {', '.join(missing)}")
    if extra:
        problems.append(f"outputs the re-run did not write: {', '.join(extra)}")
    for name in sorted(set(claimed) & set(reference)):
        mine, theirs = claimed[name], reference[name]
        if mine == theirs:
            continue
        if tolerance is not None and name.endswith(".npy"):
            problem = _numeric_mismatch(mine, theirs, tolerance)
            if problem is None:
                continue
            problems.append(f"{name}: {problem}")
        else:
            problems.append(
                f"{name}: sha256 {sha256_ref(mine)[:18]}... differs from the re-run's "
                f"{sha256_ref(theirs)[:18]}..."
            )
    return problems


def _numeric_mismatch(mine: bytes, theirs: bytes, tolerance: float) -> str | None:
    try:
        reference = decode_npy(theirs, None)
        claimed = decode_npy(mine, reference.shape)
    except MalformedArray as exc:
        return f"not comparable as arrays: {exc}"
    a = claimed.astype(np.float64)
    b = reference.astype(np.float64)
    excess = np.abs(a - b) - tolerance * (1.0 + np.abs(b))
    if not np.all(np.isfinite(a)) or float(excess.max(initial=0.0)) > 0.0:
        worst = float(np.nanmax(np.abs(a - b), initial=0.0))
        return f"differs from the re-run by up to {worst:.3g} (tolerance {tolerance:g})"
    return None
