"""A container job's consumer-supplied image, made ready before the job is accepted.

A spec with ``image_archive`` names a chunked document (an OCI or Docker image archive)
and the image id it holds. The agent fetches the archive chunk by chunk from its document
sources (every chunk and the whole checked), checks that it holds exactly that image,
loads it untagged into the engine and checks the engine's id
(protocol.containers.image_archive); the job then runs by that id, with the same
isolation as any other. Anything wrong refuses the job before the accept, with a
message naming the problem.
"""

from __future__ import annotations

from pathlib import Path

from protocol.compute.errors import ContainerEngineError
from protocol.compute.specs import AnyJobSpec, ContainerSpec
from protocol.containers.engine import ContainerEngine, require_engine
from protocol.containers.image_archive import ensure_archive_image
from provider.documents import DocumentFetcher
from provider.errors import AgentError

__all__ = ["ImageLoader"]


class ImageLoader:
    def __init__(
        self, fetcher: DocumentFetcher, scratch_root: Path, engine: ContainerEngine | None = None
    ) -> None:
        self.fetcher = fetcher
        self.scratch_root = scratch_root
        self._engine = engine

    def ensure(self, spec: AnyJobSpec) -> str | None:
        """Make the spec's image ready; the URL of its archive's manifest (sent to the
        oracles for their re-run), or None when the spec brings no archive. AgentError
        naming the problem when the archive is missing, bad, or not the image named."""
        if not isinstance(spec, ContainerSpec) or spec.image_archive_digest is None:
            return None
        digest = spec.image_archive_digest
        try:
            engine = self._engine or require_engine(probe=False)
            ensure_archive_image(
                engine,
                spec.image,
                lambda path: self.fetcher.fetch_chunked(digest, path),
                self.scratch_root,
            )
        except ContainerEngineError as exc:
            raise AgentError(f"image archive {spec.image_archive} refused: {exc}") from None
        # The oracles fetch the archive from here (the engine may have had the image).
        return self.fetcher.image_manifest_url(digest)
