"""A consumer's own image for a container job: an OCI or Docker image archive
(``podman save -o image.tar IMAGE``) uploaded as a chunked document.

``attach_image_archive`` checks the archive (one image; every digest from its index to
the config), uploads it chunk by chunk to the document store, and returns the spec with
``image`` set to the archive's image id and ``image_archive`` to the chunked manifest's
hash, which the job's terms then commit to (docs/guides/consumer.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from gpuc.errors import UsageError
from protocol.chunked_documents import publish_chunked
from protocol.compute.errors import InvalidImageArchive
from protocol.containers.image_archive import ImageArchive, inspect_image_archive
from protocol.documents import MAX_DOCUMENT_BYTES

__all__ = ["attach_image_archive", "check_image_archive"]


def attach_image_archive(
    http: httpx.Client,
    documents_url: str,
    spec: dict[str, Any],
    archive: Path,
    chunk_size: int = MAX_DOCUMENT_BYTES,
) -> dict[str, Any]:
    """``spec`` (a container spec) running the image in ``archive``, the archive uploaded.
    UsageError naming the problem for a spec of another kind or a bad archive."""
    image = check_image_archive(spec, archive)
    ref = publish_chunked(http, documents_url, archive, chunk_size=chunk_size)
    return {**spec, "image": image.image_id, "image_archive": ref}


def check_image_archive(spec: dict[str, Any], archive: Path) -> ImageArchive:
    """The image ``archive`` holds, checked without sending anything: UsageError for a
    spec of another kind, a missing file, a bad archive or another image than named."""
    if spec.get("kind") != "container":
        raise UsageError(f"an image archive goes with a container job, not {spec.get('kind')!r}")
    if not archive.is_file():
        raise UsageError(f"image archive {archive} is not a file")
    try:
        image = inspect_image_archive(archive)
    except InvalidImageArchive as exc:
        raise UsageError(f"bad image archive: {exc}") from None
    given = spec.get("image")
    if given not in (None, "", image.image_id) and str(given).startswith("sha256:"):
        raise UsageError(
            f"the spec names image {given}, the archive {archive} holds {image.image_id}"
        )
    return image
