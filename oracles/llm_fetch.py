"""Fetch an ``llm`` session's bill chain and its sampled exchanges from the provider.

The provider's LLM server publishes, per session (provider.llm.server):

    GET {session_url}/links                      -> {"links": [BillLink, ...]}
    GET {session_url}/exchanges?indices=3,17,... -> {"exchanges": [Exchange, ...]}

``session_url`` is the submission's ``result_url`` (``.../llm/sessions/0x<job>``).
Nothing fetched is trusted: the links are checked against the committed head, the
exchanges against their links (oracles.verify.llm). Here only transport problems
(no answer, too big, not JSON of the documented shape) are told apart from the
provider's faults: the first raise ResultFetchError (retry later), a document of the
wrong shape is handed back as ``None`` for the verifier to count as malformed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import TypeAdapter, ValidationError

from oracles.errors import ResultTooLarge, ResultUnavailable
from protocol.llm.bill import BillLink, Exchange
from protocol.llm.errors import InvalidLLMRequest
from protocol.llm.wire import parse_bounded_json

__all__ = ["MAX_EXCHANGES_PER_FETCH", "fetch_exchanges", "fetch_links"]

# The provider serves at most this many exchanges per request (provider.llm.server).
MAX_EXCHANGES_PER_FETCH = 64
# JSON of one link is ~200 bytes: 64 MiB holds ~300k requests in one session.
_LINKS_MAX_BYTES = 64 * 2**20
# 64 exchanges of up to 4096 tokens each, with their requests.
_EXCHANGES_MAX_BYTES = 64 * 2**20
_LINKS: TypeAdapter[list[BillLink]] = TypeAdapter(list[BillLink])
_EXCHANGES: TypeAdapter[list[Exchange]] = TypeAdapter(list[Exchange])


def fetch_links(
    http: httpx.Client, session_url: str, *, max_bytes: int = _LINKS_MAX_BYTES
) -> list[BillLink] | None:
    """The session's chain as the provider serves it; None when it is malformed."""
    document = _get_json(http, f"{session_url.rstrip('/')}/links", max_bytes)
    if document is None:
        return None
    try:
        return _LINKS.validate_python(document.get("links"))
    except ValidationError:
        return None


def fetch_exchanges(
    http: httpx.Client,
    session_url: str,
    indices: Sequence[int],
    *,
    max_bytes: int = _EXCHANGES_MAX_BYTES,
) -> dict[int, Exchange]:
    """The exchanges at ``indices``, keyed by their own index; what the provider did
    not hand over (or handed over malformed) is simply absent."""
    found: dict[int, Exchange] = {}
    for start in range(0, len(indices), MAX_EXCHANGES_PER_FETCH):
        chunk = indices[start : start + MAX_EXCHANGES_PER_FETCH]
        url = f"{session_url.rstrip('/')}/exchanges?indices={','.join(str(i) for i in chunk)}"
        document = _get_json(http, url, max_bytes)
        if document is None:
            continue
        try:
            exchanges = _EXCHANGES.validate_python(document.get("exchanges"))
        except ValidationError:
            continue
        wanted = set(chunk)
        for exchange in exchanges:
            if exchange.index in wanted:
                found.setdefault(exchange.index, exchange)
    return found


def _get_json(http: httpx.Client, url: str, max_bytes: int) -> dict[str, Any] | None:
    """The JSON object at ``url``; None for an answer that is not one (the provider's
    fault); ResultFetchError when there is no usable answer (try again later)."""
    try:
        with http.stream("GET", url) as response:
            if response.status_code >= 500 or response.status_code in (404, 408, 429):
                raise ResultUnavailable(f"{url} answered HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise ResultTooLarge(f"{url} sent more than the {max_bytes}-byte limit")
            if response.status_code != 200:
                return None
    except httpx.HTTPError as exc:
        raise ResultUnavailable(f"{url} could not be fetched: {exc}") from None
    try:
        return parse_bounded_json(bytes(body), max_bytes=max_bytes)
    except InvalidLLMRequest:
        return None
