"""A container job's result archive as the dashboard shows it. Pure: bytes in, a view out.

The archive is re-hashed against the hash asked for (the store is not trusted) and
parsed by the protocol's parser, which checks every hash in the manifest.
"""

from __future__ import annotations

from eth_utils.crypto import keccak

from matcher.dashboard.errors import NotAContainerResult
from matcher.dashboard.models import LOG_TAIL_BYTES, ContainerResultView
from protocol.compute.container_result import unpack_result
from protocol.compute.errors import MalformedContainerResult

__all__ = ["container_result_view"]


def container_result_view(digest: bytes, data: bytes) -> ContainerResultView:
    ref = "0x" + digest.hex()
    if keccak(data) != digest:
        raise NotAContainerResult(f"the stored bytes do not hash to {ref}")
    try:
        result = unpack_result(data)
    except MalformedContainerResult as exc:
        raise NotAContainerResult(f"{ref} is not a container result: {exc}") from None
    return ContainerResultView(
        result_hash=ref,
        archive_bytes=len(data),
        manifest=result.manifest,
        log_bytes=len(result.log),
        log_tail=result.log[-LOG_TAIL_BYTES:].decode("utf-8", errors="replace"),
    )
