"""A container job's log: live from the provider while it runs, else the signed copy.

    live      GET {provider}/logs/0x<jobId>  (the provider's result server streams what the
              task writes, and ends when the job does)
    archive   the result archive fetched by the job's result hash from the document store
              (re-hashed), whose manifest's sha256 of the log is checked (unpack_result)

Used by ``gpuc job logs``; bytes go to ``write`` as they come.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from gpuc.errors import GpucError
from gpuc.market.buy import fetch_result
from protocol.compute.container_result import ContainerManifest, unpack_result
from protocol.compute.errors import MalformedContainerResult

__all__ = ["ArchiveLog", "LiveAnswer", "archive_log", "stream_live_log"]

# Without --follow: stop when the log is quiet this long, or after this long in all.
IDLE_SECONDS = 1.0
SNAPSHOT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class LiveAnswer:
    """served: the provider streamed the log; else why not (not running there, unreachable)."""

    served: bool
    bytes: int = 0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ArchiveLog:
    log: bytes
    manifest: ContainerManifest
    url: str


def stream_live_log(
    http: httpx.Client,
    provider_url: str,
    job_id: bytes,
    write: Callable[[bytes], None],
    *,
    follow: bool,
    idle_seconds: float = IDLE_SECONDS,
    snapshot_seconds: float = SNAPSHOT_SECONDS,
) -> LiveAnswer:
    """Write the running job's log from the provider. With ``follow``, until the job ends;
    without, what is there now (until the log is quiet ``idle_seconds``)."""
    url = f"{provider_url.rstrip('/')}/logs/0x{job_id.hex()}"
    timeout = httpx.Timeout(10.0, read=None if follow else idle_seconds)
    written = 0
    try:
        with http.stream("GET", url, timeout=timeout) as response:
            if response.status_code == 404:
                return LiveAnswer(
                    False, reason=f"{provider_url} runs no container job 0x{job_id.hex()}"
                )
            if response.status_code != 200:
                response.read()
                raise GpucError(
                    f"the provider {provider_url} refused the log of 0x{job_id.hex()} "
                    f"(HTTP {response.status_code}): {response.text[:200]}"
                )
            stop = time.monotonic() + snapshot_seconds
            try:
                for chunk in response.iter_bytes():
                    write(chunk)
                    written += len(chunk)
                    if not follow and time.monotonic() > stop:
                        break
            except httpx.ReadTimeout:
                if follow:
                    raise
            return LiveAnswer(True, bytes=written)
    except httpx.HTTPError as exc:
        if written:
            raise GpucError(f"the log stream from {provider_url} broke: {exc}") from None
        return LiveAnswer(False, reason=f"the provider {provider_url} is unreachable: {exc}")


def archive_log(http: httpx.Client, documents_url: str, result_hash: bytes) -> ArchiveLog:
    """The log inside the job's result archive, every hash checked."""
    data, url = fetch_result(http, [documents_url], result_hash)
    try:
        result = unpack_result(data)
    except MalformedContainerResult as exc:
        raise GpucError(
            f"result 0x{result_hash.hex()} is not a container result, so it holds no log: {exc}"
        ) from None
    return ArchiveLog(log=result.log, manifest=result.manifest, url=url)
