"""The LLM cheat modes are a development hook (gpuc.devnet.llm_cheat) that `gpuc llm
serve --cheat` hands to the provider's server; the provider package holds no cheat code."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuc.devnet.llm_cheat import LLMCheat, answer_tamper
from protocol.llm.bill import Answer
from protocol.llm.types import TokenStep
from provider.llm.served import Served

PROVIDER_LLM = Path(__file__).resolve().parents[3] / "provider" / "llm"


def _served(*texts: str, prompt_tokens: int = 5) -> Served:
    steps = tuple(TokenStep(token_id=i, text=t, logprob=-0.1) for i, t in enumerate(texts))
    answer = Answer(
        text="".join(texts),
        finish_reason="stop",
        prompt_tokens=prompt_tokens,
        completion_tokens=len(steps),
    )
    return Served(steps, answer)


def test_truncated_sends_half_and_bills_in_full() -> None:
    tamper = answer_tamper(LLMCheat.TRUNCATED)
    assert tamper is not None
    out = tamper(_served("a", "b", "c", "d"), 5)
    assert [s.text for s in out.steps] == ["a", "b"]
    assert out.answer.text == "ab"
    assert out.answer.completion_tokens == 4


def test_inflated_bills_twice_the_completion_tokens() -> None:
    tamper = answer_tamper(LLMCheat.INFLATED)
    assert tamper is not None
    out = tamper(_served("a", "b", "c"), 5)
    assert out.answer.text == "abc"
    assert out.answer.completion_tokens == 6


def test_cached_serves_the_first_answer_to_every_later_request() -> None:
    tamper = answer_tamper(LLMCheat.CACHED)
    assert tamper is not None
    first = _served("Paris")
    assert tamper(first, 5) == first  # the first request is answered honestly
    later = tamper(_served("Rome", "!", prompt_tokens=7), 7)
    assert later.answer.text == "Paris"
    assert later.answer.prompt_tokens == 7
    # Each hook keeps its own cache: a second provider starts fresh.
    other = answer_tamper(LLMCheat.CACHED)
    assert other is not None
    assert other(_served("Rome"), 3).answer.text == "Rome"


def test_perturbed_weights_serves_another_engine_untouched() -> None:
    assert answer_tamper(LLMCheat.PERTURBED_WEIGHTS) is None


@pytest.mark.parametrize("path", sorted(PROVIDER_LLM.glob("*.py")), ids=lambda p: p.name)
def test_the_provider_package_holds_no_llm_cheat_code(path: Path) -> None:
    source = path.read_text()
    assert "LLMCheat" not in source
    assert "apply_cheat" not in source
