"""Batch API lines run through the real engine (provider.llm.batch, no I/O): one OpenAI
result per line in input order, usage counted by the model's tokenizer, the answer the
engine gives alone, errors per line without billing them, and units of 1k tokens."""

from __future__ import annotations

import json

import pytest

from protocol.llm.chat_format import format_chat
from protocol.llm.engine import generate
from protocol.llm.transformers_engine import GEMMA_270M, TransformersEngine
from protocol.llm.types import ChatMessage
from provider.llm.batch import billed_units, run_batch


def _jsonl(*lines: dict[str, object]) -> bytes:
    return "\n".join(json.dumps(x) for x in lines).encode()


CHAT = {
    "custom_id": "a",
    "method": "POST",
    "url": "/v1/chat/completions",
    "body": {
        "model": GEMMA_270M,
        "messages": [{"role": "user", "content": "What is the capital of France?"}],
        "max_tokens": 5,
    },
}
COMPLETION = {
    "custom_id": "b",
    "method": "POST",
    "url": "/v1/completions",
    "body": {"model": GEMMA_270M, "prompt": "The capital of France is", "max_tokens": 4},
}


def test_lines_run_in_order_with_usage_and_the_engines_own_answer(
    llm_engine: TransformersEngine,
) -> None:
    run = run_batch(llm_engine, _jsonl(CHAT, COMPLETION))
    assert [r["custom_id"] for r in run.results] == ["a", "b"]
    assert run.answered == 2
    chat, completion = (r["body"] for r in run.results)
    assert chat["object"] == "chat.completion" and completion["object"] == "text_completion"
    assert "gpuc_bill" not in chat  # a batch pays by its committed result, not a session bill
    alone = generate(
        llm_engine,
        format_chat((ChatMessage(role="user", content="What is the capital of France?"),)),
        5,
        chat=True,
    )
    assert chat["choices"][0]["message"]["content"] == alone.text
    assert chat["usage"] == {
        "prompt_tokens": alone.prompt_tokens,
        "completion_tokens": alone.completion_tokens,
        "total_tokens": alone.prompt_tokens + alone.completion_tokens,
    }
    plain = generate(llm_engine, "The capital of France is", 4)
    assert completion["choices"][0]["text"] == plain.text
    assert completion["choices"][0]["finish_reason"] == "length"
    assert run.tokens == chat["usage"]["total_tokens"] + completion["usage"]["total_tokens"]


def test_bad_lines_are_answered_with_errors_and_not_billed(
    llm_engine: TransformersEngine,
) -> None:
    other_model = {**COMPLETION, "custom_id": "m", "body": {**COMPLETION["body"], "model": "x"}}
    no_messages = {**CHAT, "custom_id": "e", "body": {"model": GEMMA_270M, "messages": []}}
    embeddings = {**COMPLETION, "custom_id": "v", "url": "/v1/embeddings"}
    run = run_batch(llm_engine, _jsonl(other_model, no_messages, embeddings, COMPLETION))
    codes = [
        (r["custom_id"], r["status_code"], r.get("error", {}).get("code")) for r in run.results
    ]
    assert codes == [
        ("m", 400, "invalid_request"),
        ("e", 400, "invalid_request"),
        ("v", 400, "invalid_request"),
        ("b", 200, None),
    ]
    assert "'x'" in run.results[0]["error"]["message"]
    assert "messages" in run.results[1]["error"]["message"]
    assert "/v1/embeddings" in run.results[2]["error"]["message"]
    assert run.tokens == run.results[3]["body"]["usage"]["total_tokens"]


def test_a_stopped_batch_answers_the_lines_left_with_cancelled(
    llm_engine: TransformersEngine,
) -> None:
    asked: list[int] = []

    def stop_after_first() -> bool:
        asked.append(1)
        return len(asked) > 1

    run = run_batch(
        llm_engine, _jsonl(COMPLETION, {**CHAT, "custom_id": "c"}), should_stop=stop_after_first
    )
    assert [r["status_code"] for r in run.results] == [200, 503]
    assert run.results[1]["error"]["code"] == "cancelled"
    assert run.tokens == run.results[0]["body"]["usage"]["total_tokens"]


@pytest.mark.parametrize(
    ("tokens", "max_units", "units"),
    [(0, 5, 1), (1, 5, 1), (1000, 5, 1), (1001, 5, 2), (9000, 5, 5)],
)
def test_units_are_tokens_rounded_up_to_1k_within_the_job(
    tokens: int, max_units: int, units: int
) -> None:
    assert billed_units(tokens, max_units) == units
