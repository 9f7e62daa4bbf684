"""Each ``--cheat`` mode of the LLM provider is caught by the oracle's session
verifier (oracles.verify.llm), and honest variation passes. Real model, short
answers, no HTTP (the serving logic is driven directly)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from gpuc.devnet.llm_cheat import LLMCheat, answer_tamper, perturbed_engine
from oracles.verify.llm import (
    DEFAULT_LOGPROB_TOLERANCE,
    calibrate_tolerance,
    sample_indices,
    verify_session,
)
from oracles.verify.report import FailureCode, KindCheck
from protocol.llm.bill import Exchange, verify_bill
from protocol.llm.requests import ChatRequest, CompletionRequest, LLMRequest
from protocol.llm.session_key import SessionCredential, new_session_secret, session_key_hash
from protocol.llm.transformers_engine import TransformersEngine
from provider.llm.server import LLMServer
from provider.llm.session import Session, SessionBook

KEY = "0x" + "42" * 32
PROVIDER = "0x" + "00" * 20
SECRET = b"oracle secret 16+ bytes"
MODEL = "gemma-3-270m"

REQUESTS: list[LLMRequest] = [
    CompletionRequest.model_validate(
        {"model": MODEL, "prompt": "The capital of France is", "max_tokens": 4}
    ),
    ChatRequest.model_validate(
        {
            "model": MODEL,
            "messages": [{"role": "user", "content": "Name a fruit."}],
            "max_tokens": 4,
        }
    ),
    CompletionRequest.model_validate(
        {"model": MODEL, "prompt": "One, two, three,", "max_tokens": 4}
    ),
]


def _has(report: KindCheck, code: FailureCode) -> bool:
    return any(f.code == code for f in report.failures)


def _serve(server: LLMServer, requests: list[LLMRequest], job: int) -> Session:
    job_id = job.to_bytes(32, "big")
    secret = new_session_secret()
    server.book.open(job_id, session_key_hash(secret), budget_tokens=10_000)
    credential = SessionCredential(job_id, secret)
    session = server.book.get(job_id)
    for request in requests:
        session, prompt_tokens = server.admit(request, credential)
        steps = tuple(server.run(request, prompt_tokens))
        server.bill(session, request, server.finish(request, prompt_tokens, steps))
    return session


def _verify(engine: TransformersEngine, session: Session) -> KindCheck:
    assert session.latest is not None
    return verify_session(
        engine,
        job_id=session.job_id,
        head=session.latest.head,
        units=session.latest.total_tokens,
        links=session.links,
        exchanges={e.index: e for e in session.exchanges},
        secret=SECRET,
        sample_size=len(session.links),
    )


@pytest.fixture(scope="module")
def honest_session(llm_engine: TransformersEngine) -> Session:
    return _serve(LLMServer(llm_engine, SessionBook(KEY), PROVIDER), REQUESTS, 1)


def test_honest_session_passes_and_its_bill_is_signed(
    llm_engine: TransformersEngine, honest_session: Session
) -> None:
    report = _verify(llm_engine, honest_session)
    assert report.failures == ()
    assert report.facts["sampled"] == 3
    assert honest_session.latest is not None
    from eth_account import Account

    verify_bill(honest_session.latest, Account.from_key(KEY).address)
    assert honest_session.latest.total_tokens == sum(
        e.answer.tokens for e in honest_session.exchanges
    )


@pytest.fixture
def one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_honest_variation_in_thread_count_passes(
    llm_engine: TransformersEngine, honest_session: Session, one_thread: None
) -> None:
    # Served with 1 thread, checked with the default: float sums reorder.
    session = _serve(LLMServer(llm_engine, SessionBook(KEY), PROVIDER), REQUESTS, 2)
    torch.set_num_threads(2)
    assert _verify(llm_engine, session).failures == ()
    # The honest gaps are far inside the tolerance (the calibration the oracle uses).
    gaps = []
    for exchange in session.exchanges:
        request = (
            ChatRequest.model_validate(exchange.request)
            if exchange.request.get("endpoint") == "chat"
            else CompletionRequest.model_validate(exchange.request)
        )
        assert exchange.token_ids is not None
        scores = llm_engine.score(
            llm_engine.encode(request.prompt), exchange.token_ids, request.chat
        )
        gaps += [s.best_logprob - s.logprob for s in scores[:-1]]
    assert calibrate_tolerance(gaps) <= DEFAULT_LOGPROB_TOLERANCE


def test_cached_weights_engine_and_fresh_request_order_pass(
    llm_engine: TransformersEngine,
) -> None:
    session = _serve(LLMServer(llm_engine, SessionBook(KEY), PROVIDER), list(reversed(REQUESTS)), 3)
    assert _verify(llm_engine, session).failures == ()


@pytest.mark.parametrize("cheat", [LLMCheat.TRUNCATED, LLMCheat.INFLATED, LLMCheat.CACHED])
def test_answer_cheats_are_caught(llm_engine: TransformersEngine, cheat: LLMCheat) -> None:
    server = LLMServer(llm_engine, SessionBook(KEY), PROVIDER, answer_tamper=answer_tamper(cheat))
    session = _serve(server, REQUESTS, 10)
    report = _verify(llm_engine, session)
    assert _has(report, FailureCode.WRONG_RESULT), report
    # Every request after the first is cheated (the cached answer is the first one).
    assert len(report.failures) >= 2


def test_perturbed_weights_are_caught(llm_engine: TransformersEngine) -> None:
    cheater = perturbed_engine(llm_engine, scale=0.1)
    assert answer_tamper(LLMCheat.PERTURBED_WEIGHTS) is None  # a different engine, untouched
    server = LLMServer(cheater, SessionBook(KEY), PROVIDER)
    session = _serve(server, REQUESTS, 20)
    report = _verify(llm_engine, session)
    assert _has(report, FailureCode.WRONG_RESULT), report
    assert any("nats below" in f.detail for f in report.failures)


def test_a_tampered_chain_or_missing_exchange_is_caught(
    llm_engine: TransformersEngine, honest_session: Session
) -> None:
    assert honest_session.latest is not None
    inflated = verify_session(
        llm_engine,
        job_id=honest_session.job_id,
        head=honest_session.latest.head,
        units=honest_session.latest.total_tokens + 1,
        links=honest_session.links,
        exchanges={},
        secret=SECRET,
    )
    assert _has(inflated, FailureCode.WRONG_RESULT)
    missing = verify_session(
        llm_engine,
        job_id=honest_session.job_id,
        head=honest_session.latest.head,
        units=honest_session.latest.total_tokens,
        links=honest_session.links,
        exchanges={},
        secret=SECRET,
    )
    assert _has(missing, FailureCode.MALFORMED_RESULT)
    swapped = {
        e.index: Exchange(
            index=e.index,
            request=e.request,
            answer=e.answer.model_copy(update={"text": e.answer.text + "!"}),
            token_ids=e.token_ids,
        )
        for e in honest_session.exchanges
    }
    report = verify_session(
        llm_engine,
        job_id=honest_session.job_id,
        head=honest_session.latest.head,
        units=honest_session.latest.total_tokens,
        links=honest_session.links,
        exchanges=swapped,
        secret=SECRET,
        sample_size=3,
    )
    assert any("does not hash" in f.detail for f in report.failures)


def test_sample_is_keyed_by_secret_job_and_head() -> None:
    head = b"\x01" * 32
    base = sample_indices(SECRET, b"\x00" * 32, head, 1000, 8)
    assert len(base) == 8 and len(set(base)) == 8 and all(0 <= i < 1000 for i in base)
    assert sample_indices(SECRET, b"\x00" * 32, head, 1000, 8) == base
    assert sample_indices(b"another secret!!!", b"\x00" * 32, head, 1000, 8) != base
    assert sample_indices(SECRET, b"\x00" * 32, b"\x02" * 32, 1000, 8) != base
    assert sample_indices(SECRET, b"\x00" * 32, head, 3, 8) == [0, 1, 2]
