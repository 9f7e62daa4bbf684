"""Job documents (specs, input files, results) in a content-addressed store over HTTP.

    PUT {store}/0x<keccak256>   store the exact bytes (201, or 200 when known)
    GET {store}/0x<keccak256>   the bytes (404 when unknown)

The store next to the matcher is ``{matcher}/documents``. Nothing read is trusted: bytes
that do not hash to the name asked for are refused.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from eth_utils.crypto import keccak

from protocol.errors import ProtocolError

__all__ = [
    "DOCUMENTS_PATH",
    "MAX_DOCUMENT_BYTES",
    "DocumentError",
    "document_ref",
    "fetch_document",
    "publish_document",
]

DOCUMENTS_PATH = "/documents"
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024  # what the store next to the matcher takes
MAX_FETCH_BYTES = 64 * 1024 * 1024


class DocumentError(ProtocolError):
    """A document could not be stored or found (with every source's answer)."""


def document_ref(data: bytes) -> str:
    return "0x" + keccak(data).hex()


def publish_document(http: httpx.Client, store_url: str, data: bytes) -> str:
    """Store ``data``; its 0x keccak256 name. DocumentError naming the store's answer."""
    ref = document_ref(data)
    store = store_url.rstrip("/")
    try:
        # Opaque bytes: a body without a type would be read as JSON by the matcher's
        # request guard, and a binary chunk (an image archive's) can look deeply nested.
        response = http.put(
            f"{store}/{ref}", content=data, headers={"Content-Type": "application/octet-stream"}
        )
    except httpx.HTTPError as exc:
        raise DocumentError(f"the document store {store} is unreachable: {exc}") from None
    if response.status_code not in (200, 201):
        raise DocumentError(
            f"the document store {store} refused {ref} (HTTP {response.status_code}): "
            f"{response.text[:200]}"
        )
    return ref


def fetch_document(
    http: httpx.Client, sources: Sequence[str], digest: bytes, max_bytes: int = MAX_FETCH_BYTES
) -> tuple[bytes, str]:
    """(bytes, url) from the first source holding bytes that hash to ``digest``."""
    ref = "0x" + digest.hex()
    problems = []
    for source in sources:
        url = f"{source.rstrip('/')}/{ref}"
        try:
            response = http.get(url)
        except httpx.HTTPError as exc:
            problems.append(f"{source}: {exc}")
            continue
        if response.status_code != 200:
            problems.append(f"{source}: HTTP {response.status_code}")
            continue
        data = response.content
        if len(data) > max_bytes or keccak(data) != digest:
            problems.append(f"{source}: wrong bytes for {ref}")
            continue
        return data, url
    where = "; ".join(problems) or "no document sources are configured"
    raise DocumentError(f"document {ref} is not available ({where})")
