"""A matched job's spec document and input file, fetched by content address.

The fill names only ``terms.spec`` (keccak256 of the canonical spec JSON); the consumer
publishes the document (and, for embeddings, the input file named by ``inputs_hash``)
in a content-addressed store. Any source will do: bytes that do not hash to the name
asked for are thrown away, so a source cannot make the agent run another job.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from protocol.chunked_documents import fetch_chunked
from protocol.compute.errors import InvalidJobSpec
from protocol.compute.specs import AnyJobSpec, ContainerSpec, EmbeddingsSpec, parse_spec
from protocol.documents import DocumentError, fetch_document, publish_document
from protocol.job_spec import spec_hash
from provider.errors import DocumentUnavailable
from provider.results.content_hash import hash_ref

__all__ = ["DocumentFetcher", "JobDocuments"]

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


class JobDocuments:
    """A job's checked spec and (for embeddings and containers) its input bytes and
    where they are."""

    def __init__(
        self,
        spec: AnyJobSpec,
        inputs: bytes | None,
        inputs_url: str | None,
        image_url: str | None = None,
    ) -> None:
        self.spec = spec
        self.inputs = inputs
        self.inputs_url = inputs_url
        # Where the consumer's image archive (its chunked-document manifest) was found.
        self.image_url = image_url

    @property
    def document(self) -> dict[str, Any]:
        return self.spec.as_json()


class DocumentFetcher:
    def __init__(self, sources: Sequence[str], http: httpx.Client | None = None) -> None:
        self.sources = [s.rstrip("/") for s in sources]
        self._http = http or httpx.Client(timeout=10.0)

    def close(self) -> None:
        self._http.close()

    def fetch(self, digest: bytes) -> tuple[bytes, str]:
        """(bytes, url) of the first source holding ``digest``; DocumentUnavailable if none."""
        try:
            return fetch_document(self._http, self.sources, digest, MAX_DOCUMENT_BYTES)
        except DocumentError as exc:
            raise DocumentUnavailable(str(exc)) from None

    def fetch_chunked(self, digest: bytes, destination: Path) -> str:
        """Fetch a chunked document (an image archive) into ``destination``, every chunk
        and the whole checked; the manifest's URL. DocumentUnavailable if none has it."""
        problems = []
        for source in self.sources:
            try:
                fetch_chunked(self._http, [source], digest, destination)
            except DocumentError as exc:
                problems.append(f"{source}: {exc}")
                continue
            return f"{source}/{hash_ref(digest)}"
        raise DocumentUnavailable(
            f"image archive {hash_ref(digest)} is not available: "
            + ("; ".join(problems) or "no document sources are configured")
        )

    def publish(self, data: bytes) -> str | None:
        """Store ``data`` (a result) in the first source that takes it, so the consumer can
        fetch it by its hash; the url, or None when no source took it."""
        for source in self.sources:
            try:
                ref = publish_document(self._http, source, data)
            except DocumentError:
                continue
            return f"{source}/{ref}"
        return None

    def job(self, spec_digest: bytes) -> JobDocuments:
        """Fetch, parse and check the spec a job's terms commit to (and its inputs)."""
        raw, _ = self.fetch(spec_digest)
        try:
            document = json.loads(raw)
            spec = parse_spec(document)
        except (ValueError, InvalidJobSpec) as exc:
            raise DocumentUnavailable(
                f"spec {hash_ref(spec_digest)} is not a job spec this agent runs: {exc}"
            ) from None
        if spec_hash(spec.as_json()) != spec_digest:
            raise DocumentUnavailable(
                f"spec {hash_ref(spec_digest)} is not in canonical form (sorted keys, no spaces)"
            )
        if isinstance(spec, EmbeddingsSpec):
            inputs, url = self.fetch(spec.inputs_digest)
            return JobDocuments(spec, inputs, url)
        if isinstance(spec, ContainerSpec) and spec.inputs_digest is not None:
            inputs, url = self.fetch(spec.inputs_digest)
            return JobDocuments(spec, inputs, url)
        return JobDocuments(spec, None, None)

    def image_manifest_url(self, digest: bytes) -> str:
        """Where the chunked manifest of an image archive is (checked by its hash)."""
        _, url = self.fetch(digest)
        return url
