"""The real Gemma 3 270M engine: tokenizer counts, greedy decoding, logprobs,
streaming and the teacher-forced score the oracle uses. Short generations."""

from __future__ import annotations

import math

import pytest

from protocol.llm.chat_format import format_chat
from protocol.llm.engine import generate
from protocol.llm.errors import InvalidLLMRequest
from protocol.llm.transformers_engine import TransformersEngine, cache_root
from protocol.llm.types import ChatMessage

PROMPT = "The capital of France is"


def test_tokenizer_counts_include_bos_and_round_trip(llm_engine: TransformersEngine) -> None:
    ids = llm_engine.encode(PROMPT)
    assert ids[0] == llm_engine.tokenizer.bos_token_id
    assert llm_engine.count_tokens(PROMPT) == len(ids) == 6
    assert llm_engine.encode(PROMPT, bos=False) == ids[1:]
    assert llm_engine.decode(ids[1:]) == PROMPT
    # Gemma's turn markers are single special tokens, not spelled out.
    chat = format_chat([ChatMessage(role="user", content="Hi")])
    assert llm_engine.count_tokens(chat) < len(chat) // 3


def test_greedy_generation_is_deterministic_and_coherent(llm_engine: TransformersEngine) -> None:
    first = generate(llm_engine, PROMPT, 8)
    second = generate(llm_engine, PROMPT, 8)
    assert first == second
    assert first.text.startswith(" the capital of")
    assert first.completion_tokens == 8 and first.finish_reason == "length"
    assert first.prompt_tokens == 6


def test_stream_yields_the_same_tokens_as_generate_with_top_logprobs(
    llm_engine: TransformersEngine,
) -> None:
    steps = list(llm_engine.stream(PROMPT, 6, top_logprobs=3))
    answer = generate(llm_engine, PROMPT, 6)
    assert [s.token_id for s in steps] == [t.token_id for t in answer.tokens]
    for step in steps:
        assert len(step.top) == 3
        # Greedy: the chosen token is the most likely one, logprobs are sorted.
        assert step.top[0].token_id == step.token_id
        assert step.top[0].logprob == pytest.approx(step.logprob)
        assert step.top[0].logprob >= step.top[1].logprob >= step.top[2].logprob
        assert step.logprob <= 0
    assert sum(math.exp(t.logprob) for t in steps[0].top) <= 1.0 + 1e-6


def test_token_ids_decode_to_the_streamed_text(llm_engine: TransformersEngine) -> None:
    answer = generate(llm_engine, PROMPT, 10)
    ids = [t.token_id for t in answer.tokens if t.token_id is not None]
    assert llm_engine.decode(ids) == answer.text


def test_chat_answers_stop_at_end_of_turn_or_limit(llm_engine: TransformersEngine) -> None:
    prompt = format_chat([ChatMessage(role="user", content="Say yes.")])
    answer = generate(llm_engine, prompt, 12, chat=True)
    assert 1 <= answer.completion_tokens <= 12
    assert "<end_of_turn>" not in answer.text
    stop_ids = llm_engine.stop_ids_for(chat=True)
    assert all(t.token_id not in stop_ids for t in answer.tokens)


def test_score_reproduces_the_generation_logprobs(llm_engine: TransformersEngine) -> None:
    answer = generate(llm_engine, PROMPT, 6)
    ids = [t.token_id for t in answer.tokens if t.token_id is not None]
    scores = llm_engine.score(llm_engine.encode(PROMPT), ids, chat=False)
    assert len(scores) == len(ids) + 1
    for step, score in zip(answer.tokens, scores, strict=False):
        assert score.best_id == score.token_id == step.token_id
        # A full forward pass and the KV-cached steps agree to float noise.
        assert score.logprob == pytest.approx(step.logprob, abs=1e-3)


def test_bad_parameters_are_refused_before_any_work(llm_engine: TransformersEngine) -> None:
    with pytest.raises(InvalidLLMRequest, match="max_tokens"):
        generate(llm_engine, PROMPT, 0)
    with pytest.raises(InvalidLLMRequest, match="prompt"):
        generate(llm_engine, "", 3)
    with pytest.raises(InvalidLLMRequest, match="top_logprobs"):
        generate(llm_engine, PROMPT, 3, top_logprobs=99)


def test_dequantized_weights_are_cached_as_safetensors(llm_engine: TransformersEngine) -> None:
    cached = list(cache_root().glob("gemma-3-270m-*/model.safetensors"))
    assert cached and cached[0].stat().st_size > 500_000_000
