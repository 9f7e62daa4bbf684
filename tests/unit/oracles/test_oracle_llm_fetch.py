"""The oracle fetches an LLM session's bill chain and sampled exchanges from the
provider's real LLM server over HTTP (oracles.llm_fetch); what the provider cannot
hand over is absent, what cannot be reached is a fetch error to retry."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest

from oracles.errors import ResultUnavailable
from oracles.llm_fetch import MAX_EXCHANGES_PER_FETCH, fetch_exchanges, fetch_links
from protocol.llm.bill import Answer, chain_head
from protocol.llm.upstream import UpstreamEngine
from provider.llm.server import LLMServer, create_llm_app
from provider.llm.session import Session, SessionBook
from provider.results.server import LoopbackServer

KEY = "0x" + "42" * 32
JOB = b"\x07" * 32
REQUESTS = MAX_EXCHANGES_PER_FETCH + 6  # more than one fetch's worth


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Session]]:
    book = SessionBook(KEY)
    session = book.open(JOB, b"\x01" * 32, budget_tokens=10**6)
    for i in range(REQUESTS):
        answer = Answer(
            text=f" answer {i}", finish_reason="stop", prompt_tokens=5, completion_tokens=2 + i % 3
        )
        book.record(session, {"endpoint": "completion", "prompt": f"q{i}"}, answer, None)
    # The engine only answers /v1 routes, which these tests do not call.
    server = LLMServer(UpstreamEngine("http://127.0.0.1:9", "gemma-3-270m"), book, "0x" + "0" * 40)
    with LoopbackServer(create_llm_app(server)) as running:
        yield f"{running.base_url}/llm/sessions/0x{JOB.hex()}", session


def test_the_chain_and_sampled_exchanges_come_back_as_served(
    served: tuple[str, Session],
) -> None:
    url, session = served
    with httpx.Client(timeout=5) as http:
        links = fetch_links(http, url)
        assert links is not None and links == session.links
        assert chain_head(JOB, links) == session.head
        wanted = [0, 3, REQUESTS - 1, *range(1, 1 + MAX_EXCHANGES_PER_FETCH)]
        exchanges = fetch_exchanges(http, url, wanted)
    assert sorted(exchanges) == sorted(set(wanted))
    assert exchanges[3] == session.exchanges[3]


def test_indices_the_provider_does_not_have_are_absent(served: tuple[str, Session]) -> None:
    # The provider refuses a fetch naming an index it has no exchange for: every index
    # of that fetch counts as not handed over (the verifier's MALFORMED_RESULT).
    url, _ = served
    with httpx.Client(timeout=5) as http:
        assert fetch_exchanges(http, url, [REQUESTS + 5]) == {}
        assert fetch_exchanges(http, url, [1, REQUESTS]) == {}


def test_an_unknown_session_or_a_provider_that_is_down_is_retried_later(
    served: tuple[str, Session],
) -> None:
    url, _ = served
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with httpx.Client(timeout=5) as http:
        with pytest.raises(ResultUnavailable, match="HTTP 404"):
            fetch_links(http, url.replace(JOB.hex(), "08" * 32))
        with pytest.raises(ResultUnavailable, match="could not be fetched"):
            fetch_links(http, f"http://127.0.0.1:{closed_port}/llm/sessions/0x{JOB.hex()}")
