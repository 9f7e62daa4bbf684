"""The container verifier's re-execution, on this machine's engine (I/O, so it
lives outside oracles.verify): the engine is found on first use, so an oracle
without one still judges every other kind. A task that brings its own image is
re-run from the same archive: fetched (chunk by chunk, every chunk and the whole
checked) from the store the submission names, checked to hold the image the spec
names, and loaded, unless the engine already has that image id."""

from __future__ import annotations

from pathlib import Path

import httpx

from oracles.verify.container import Rerun
from protocol.chunked_documents import fetch_chunked
from protocol.compute.container_spec import ContainerSpec
from protocol.compute.errors import ContainerEngineError
from protocol.containers.engine import ContainerEngine, require_engine
from protocol.containers.image_archive import ensure_archive_image
from protocol.containers.runner import ContainerCaps, reference_outputs
from protocol.documents import DocumentError

__all__ = ["engine_rerun", "ensure_spec_image"]


def engine_rerun(caps: ContainerCaps | None = None, work_root: Path | None = None) -> Rerun:
    def rerun(spec: ContainerSpec, inputs: bytes | None, image_url: str | None) -> dict[str, bytes]:
        # Raises ContainerEngineError (the verifier's "cannot judge") without an engine.
        engine = require_engine()
        ensure_spec_image(engine, spec, image_url, work_root)
        return reference_outputs(engine, spec, inputs, caps=caps, work_root=work_root)

    return rerun


def ensure_spec_image(
    engine: ContainerEngine, spec: ContainerSpec, image_url: str | None, work_root: Path | None
) -> None:
    """Load the spec's image archive from ``image_url`` (the manifest's URL; the chunks
    come from the same store) if the engine lacks the image. ContainerEngineError when
    it cannot be had or is not the image the spec names."""
    digest = spec.image_archive_digest
    if digest is None:
        return
    if image_url is None:
        raise ContainerEngineError("the task brings an image archive and no image_url says where")
    store = image_url.rstrip("/").rsplit("/", 1)[0]

    def fetch(path: Path) -> None:
        with httpx.Client(timeout=30.0) as http:
            try:
                fetch_chunked(http, [store], digest, path)
            except DocumentError as exc:
                raise ContainerEngineError(f"the task's image archive: {exc}") from None

    ensure_archive_image(engine, spec.image, fetch, work_root)
