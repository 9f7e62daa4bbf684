"""Fetch a job result and check it against the receipt's committed hash.

The provider agent serves results content-addressed at
``GET {endpoint}/results/0x<resultHash>``; any other HTTP URL works too, since
the bytes are checked against ``resultHash`` either way. The download stops as
soon as it passes ``max_bytes`` or the whole transfer passes ``timeout``.
"""

from __future__ import annotations

import time

import httpx
from eth_utils.crypto import keccak

from oracles.errors import ResultHashMismatch, ResultTooLarge, ResultUnavailable
from protocol.wire_ints import is_ascii_decimal

__all__ = ["DEFAULT_MAX_RESULT_BYTES", "DEFAULT_TIMEOUT_SECONDS", "fetch_result", "result_url"]

# An n = 8192 float32 matrix is 256 MiB; nothing a job returns is larger.
DEFAULT_MAX_RESULT_BYTES = 300 * 2**20
DEFAULT_TIMEOUT_SECONDS = 30.0


def result_url(endpoint: str, result_hash: bytes) -> str:
    """The content address of a result on a provider agent."""
    return f"{endpoint.rstrip('/')}/results/0x{result_hash.hex()}"


def fetch_result(
    url: str,
    result_hash: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_RESULT_BYTES,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    client: httpx.Client | None = None,
) -> bytes:
    """The bytes at ``url``, which must hash (keccak256) to ``result_hash``.

    Raises ResultUnavailable (no 200 in time), ResultTooLarge (more than
    ``max_bytes``) or ResultHashMismatch (the bytes are not the committed ones).
    """
    if len(result_hash) != 32:
        raise ValueError(f"result_hash must be 32 bytes, got {len(result_hash)}")
    own_client = client is None
    http = client if client is not None else httpx.Client(timeout=timeout)
    try:
        data = _download(http, url, max_bytes, timeout)
    finally:
        if own_client:
            http.close()
    found = keccak(data)
    if found != result_hash:
        raise ResultHashMismatch(
            f"{url} returned {len(data)} bytes hashing to 0x{found.hex()}, "
            f"the receipt commits to 0x{result_hash.hex()}"
        )
    return data


def _download(http: httpx.Client, url: str, max_bytes: int, timeout: float) -> bytes:
    give_up_at = time.monotonic() + timeout
    try:
        with http.stream("GET", url, timeout=timeout) as response:
            if response.status_code != 200:
                raise ResultUnavailable(f"{url} answered HTTP {response.status_code}, not 200")
            declared = response.headers.get("content-length")
            if declared is not None and is_ascii_decimal(declared) and int(declared) > max_bytes:
                raise ResultTooLarge(f"{url} declares {declared} bytes, the limit is {max_bytes}")
            chunks: list[bytes] = []
            received = 0
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise ResultTooLarge(f"{url} sent more than the {max_bytes}-byte limit")
                # httpx times each read; this bounds the whole body against slow drips.
                if time.monotonic() > give_up_at:
                    raise ResultUnavailable(f"{url} took longer than {timeout} s in all")
                chunks.append(chunk)
    except httpx.TimeoutException as exc:
        kind = type(exc).__name__
        raise ResultUnavailable(f"{url} timed out after {timeout} s ({kind})") from None
    except httpx.HTTPError as exc:
        raise ResultUnavailable(f"{url} could not be fetched: {exc}") from None
    return b"".join(chunks)
