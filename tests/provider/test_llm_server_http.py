"""The provider's OpenAI-compatible LLM server on 127.0.0.1, driven by the
unchanged ``openai`` client: chat and completions, streamed and not, usage,
logprobs, the signed running bill, session-key auth, budget, limits; and the
upstream engine pointed at it. Real model, short answers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest
from eth_account import Account

from protocol.llm.bill import BillLink, SignedBill, verify_bill, verify_chain
from protocol.llm.session_key import SessionCredential, new_session_secret, session_key_hash
from protocol.llm.transformers_engine import TransformersEngine
from protocol.llm.upstream import UpstreamEngine
from provider.llm.server import LLMServer, create_llm_app
from provider.llm.session import SessionBook
from provider.results.server import LoopbackServer

KEY = "0x" + "43" * 32
OWNER = Account.from_key(KEY).address
MODEL = "gemma-3-270m"
JOB = b"\x05" * 32


@pytest.fixture(scope="module")
def llm_server(llm_engine: TransformersEngine) -> Iterator[tuple[LoopbackServer, LLMServer]]:
    server = LLMServer(llm_engine, SessionBook(KEY), OWNER)
    with LoopbackServer(create_llm_app(server)) as running:
        yield running, server


def _open(server: LLMServer, job_id: bytes, budget: int = 5_000) -> SessionCredential:
    secret = new_session_secret()
    server.book.open(job_id, session_key_hash(secret), budget)
    return SessionCredential(job_id, secret)


def _client(running: LoopbackServer, credential: SessionCredential) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=f"{running.base_url}/v1", api_key=credential.api_key, max_retries=0
    )


def _bill(extra: dict[str, object] | None) -> SignedBill:
    assert extra is not None
    return SignedBill.model_validate(extra["gpuc_bill"])


def test_openai_client_chats_streamed_and_not_with_usage_logprobs_and_bill(
    llm_server: tuple[LoopbackServer, LLMServer],
) -> None:
    running, server = llm_server
    credential = _open(server, JOB)
    client = _client(running, credential)
    assert [m.id for m in client.models.list()] == [MODEL]
    messages = [{"role": "user", "content": "What is the capital of France?"}]

    answer = client.chat.completions.create(
        model=MODEL, messages=messages, max_tokens=4, logprobs=True, top_logprobs=2
    )
    text = answer.choices[0].message.content
    assert text and answer.usage is not None
    assert answer.usage.completion_tokens == 4 and answer.choices[0].finish_reason == "length"
    assert answer.choices[0].logprobs is not None
    content = answer.choices[0].logprobs.content or []
    assert len(content) == 4 and all(len(c.top_logprobs) == 2 for c in content)
    assert "".join(c.token for c in content) == text
    first = _bill(answer.model_extra)
    verify_bill(first, OWNER)
    assert first.seq == 1 and first.total_tokens == answer.usage.total_tokens

    chunks = list(
        client.chat.completions.create(model=MODEL, messages=messages, max_tokens=4, stream=True)
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == text  # greedy: the same answer
    last = chunks[-1]
    assert last.usage is not None and last.usage.total_tokens == answer.usage.total_tokens
    second = _bill(last.model_extra)
    verify_bill(second, OWNER)
    assert second.seq == 2 and second.total_tokens == 2 * first.total_tokens
    assert second.later_than(first)

    completion = client.completions.create(
        model=MODEL, prompt="The capital of France is", max_tokens=3, logprobs=1
    )
    assert completion.choices[0].text.startswith(" the")
    assert completion.choices[0].logprobs is not None
    assert len(completion.choices[0].logprobs.tokens or []) == 3

    # The chain the oracle fetches hashes to the bill's head.
    base = f"{running.base_url}/llm/sessions/0x{JOB.hex()}"
    links = [BillLink.model_validate(x) for x in httpx.get(f"{base}/links").json()["links"]]
    latest = SignedBill.model_validate(httpx.get(f"{base}/bill").json())
    verify_chain(JOB, links, latest.head, latest.total_tokens)
    exchanges = httpx.get(f"{base}/exchanges", params={"indices": "0,2"}).json()["exchanges"]
    assert exchanges[0]["answer"]["text"] == text
    assert exchanges[1]["request"]["endpoint"] == "completions"


def test_wrong_key_unknown_session_budget_and_bad_bodies_are_refused(
    llm_server: tuple[LoopbackServer, LLMServer],
) -> None:
    running, server = llm_server
    credential = _open(server, b"\x06" * 32, budget=20)
    wrong = SessionCredential(credential.job_id, b"\x00" * 32)
    with pytest.raises(openai.AuthenticationError, match="session key"):
        _client(running, wrong).completions.create(model=MODEL, prompt="Hi", max_tokens=2)
    unknown = SessionCredential(b"\x07" * 32, credential.secret)
    with pytest.raises(openai.NotFoundError, match="no session"):
        _client(running, unknown).completions.create(model=MODEL, prompt="Hi", max_tokens=2)
    with pytest.raises(openai.APIStatusError, match="left") as refused:
        _client(running, credential).completions.create(model=MODEL, prompt="Hi", max_tokens=50)
    assert refused.value.status_code == 402
    with pytest.raises(openai.BadRequestError, match="serves"):
        _client(running, credential).completions.create(model="gpt-4", prompt="Hi", max_tokens=2)
    headers = {"Authorization": f"Bearer {credential.api_key}"}
    deep = httpx.post(
        f"{running.base_url}/v1/completions", content=b"[" * 5000 + b"]" * 5000, headers=headers
    )
    assert deep.status_code == 400 and "nested" in deep.text
    big = httpx.post(
        f"{running.base_url}/v1/completions", content=b" " * (2 * 1024 * 1024), headers=headers
    )
    assert big.status_code == 400 and "bytes" in big.text
    assert server.book.get(credential.job_id).links == []  # nothing billed


def test_upstream_engine_reads_an_openai_compatible_server(
    llm_server: tuple[LoopbackServer, LLMServer], llm_engine: TransformersEngine
) -> None:
    running, server = llm_server
    credential = _open(server, b"\x08" * 32)
    upstream = UpstreamEngine(running.base_url, MODEL, api_key=credential.api_key)
    try:
        prompt = "The capital of France is"
        assert upstream.count_tokens(prompt) == llm_engine.count_tokens(prompt)
        remote = list(upstream.stream(prompt, 4, top_logprobs=2))
        local = list(llm_engine.stream(prompt, 4, top_logprobs=2))
        assert [s.text for s in remote] == [s.text for s in local]
        assert [s.logprob for s in remote] == pytest.approx([s.logprob for s in local], abs=1e-4)
        assert remote[0].top[0].text == local[0].top[0].text
    finally:
        upstream.close()
