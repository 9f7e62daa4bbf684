"""Documents larger than the store's cap (an image archive): chunks plus a manifest.

The file is cut into chunks of at most ``MAX_DOCUMENT_BYTES``; each chunk is an ordinary
content-addressed document, and a manifest document lists their keccak256 names in order
with the whole file's size and sha256:

    {"kind": "gpuc-chunked", "version": 1, "size": 109335040,
     "sha256": "0x...", "chunks": [{"hash": "0x...", "size": 16777216}, ...]}

The manifest's own keccak256 names the whole file (a job spec's ``image_archive``).
Fetching checks each chunk against its name as it arrives (``fetch_document``), the
running size against the manifest before writing, and the whole file's size and sha256
at the end; the file is written to disk chunk by chunk, never held whole in memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protocol.documents import (
    MAX_DOCUMENT_BYTES,
    DocumentError,
    document_ref,
    fetch_document,
    publish_document,
)

__all__ = [
    "MAX_CHUNKED_BYTES",
    "ChunkRef",
    "ChunkedManifest",
    "fetch_chunked",
    "parse_chunked_manifest",
    "publish_chunked",
]

# The most a chunked document may hold (an image archive of a few GB is plenty).
MAX_CHUNKED_BYTES = 8 * 2**30
_MAX_CHUNKS = MAX_CHUNKED_BYTES // 2**20
_HASH = r"^0x[0-9a-f]{64}$"


class ChunkRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    hash: str = Field(pattern=_HASH)
    size: int = Field(ge=1, le=MAX_DOCUMENT_BYTES)


class ChunkedManifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["gpuc-chunked"] = "gpuc-chunked"
    version: Literal[1] = 1
    size: int = Field(ge=1, le=MAX_CHUNKED_BYTES)
    sha256: str = Field(pattern=_HASH)
    chunks: tuple[ChunkRef, ...] = Field(min_length=1, max_length=_MAX_CHUNKS)

    def canonical(self) -> bytes:
        return json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":")
        ).encode()


def parse_chunked_manifest(raw: bytes) -> ChunkedManifest:
    """A manifest document; DocumentError naming what is wrong with it."""
    try:
        manifest = ChunkedManifest.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "manifest"
        raise DocumentError(f"not a chunked-document manifest: {where}: {first['msg']}") from None
    total = sum(c.size for c in manifest.chunks)
    if total != manifest.size:
        raise DocumentError(
            f"chunked-document manifest is inconsistent: its chunks add up to {total} bytes, "
            f"it says {manifest.size}"
        )
    return manifest


def publish_chunked(
    http: httpx.Client, store_url: str, path: Path, chunk_size: int = MAX_DOCUMENT_BYTES
) -> str:
    """Store the file at ``path`` as chunks plus a manifest; the manifest's 0x keccak256
    name. Reads the file one chunk at a time."""
    if not 1 <= chunk_size <= MAX_DOCUMENT_BYTES:
        raise ValueError(f"chunk_size must be within [1, {MAX_DOCUMENT_BYTES}], got {chunk_size}")
    size = path.stat().st_size
    if not 1 <= size <= MAX_CHUNKED_BYTES:
        raise DocumentError(f"{path} is {size} bytes: a chunked document holds 1 to "
                            f"{MAX_CHUNKED_BYTES} bytes")  # fmt: skip
    whole = hashlib.sha256()
    chunks: list[ChunkRef] = []
    with path.open("rb") as handle:
        for piece in _pieces(handle, chunk_size):
            whole.update(piece)
            chunks.append(ChunkRef(hash=publish_document(http, store_url, piece), size=len(piece)))
    manifest = ChunkedManifest(size=size, sha256="0x" + whole.hexdigest(), chunks=tuple(chunks))
    return publish_document(http, store_url, manifest.canonical())


def _pieces(handle: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    while piece := handle.read(chunk_size):
        yield piece


def fetch_chunked(
    http: httpx.Client,
    sources: Sequence[str],
    digest: bytes,
    destination: Path,
    max_bytes: int = MAX_CHUNKED_BYTES,
) -> ChunkedManifest:
    """Fetch the chunked document whose manifest hashes to ``digest`` into
    ``destination``; DocumentError (and no file left) when a chunk is missing or wrong,
    or the whole does not match the manifest's size and sha256."""
    raw, _ = fetch_document(http, sources, digest, max_bytes=MAX_DOCUMENT_BYTES)
    manifest = parse_chunked_manifest(raw)
    if manifest.size > max_bytes:
        raise DocumentError(
            f"chunked document {document_ref(raw)} is {manifest.size} bytes, more than the "
            f"{max_bytes} this reader takes"
        )
    whole = hashlib.sha256()
    written = 0
    try:
        with destination.open("wb") as out:
            for index, chunk in enumerate(manifest.chunks):
                data, _ = fetch_document(
                    http, sources, bytes.fromhex(chunk.hash[2:]), max_bytes=chunk.size
                )
                if len(data) != chunk.size:
                    raise DocumentError(
                        f"chunk {index} ({chunk.hash}) is {len(data)} bytes, the manifest "
                        f"says {chunk.size}"
                    )
                whole.update(data)
                written += len(data)
                out.write(data)
        if written != manifest.size or "0x" + whole.hexdigest() != manifest.sha256:
            raise DocumentError(
                f"the chunks of {document_ref(raw)} join to a file whose sha256 is "
                f"0x{whole.hexdigest()}, the manifest names {manifest.sha256}"
            )
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    return manifest
