"""The engine interface every provider serves through and the oracle re-runs with.

An engine turns a prompt (text, already in the model's turn format) into a
stream of :class:`TokenStep`. Greedy decoding only: the verifier's re-run must
be able to reproduce the answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from protocol.llm.errors import InvalidLLMRequest
from protocol.llm.types import (
    MAX_COMPLETION_TOKENS,
    MAX_TOP_LOGPROBS,
    FinishReason,
    Generation,
    TokenStep,
)

__all__ = ["Engine", "check_params", "generate"]


class Engine(Protocol):
    """Anything that greedy-decodes a model: the embedded transformers engine or an
    OpenAI-compatible upstream."""

    @property
    def model(self) -> str: ...

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` as the model's tokenizer counts them (BOS included)."""
        ...

    def stream(
        self, prompt: str, max_tokens: int, top_logprobs: int = 0, chat: bool = False
    ) -> Iterator[TokenStep]:
        """Greedy tokens one by one; stops at end of sequence (and end of turn when
        ``chat``) or after ``max_tokens``. The stop token itself is not yielded."""
        ...


def check_params(prompt: str, max_tokens: int, top_logprobs: int) -> None:
    if not prompt:
        raise InvalidLLMRequest("prompt: must not be empty")
    if not 1 <= max_tokens <= MAX_COMPLETION_TOKENS:
        raise InvalidLLMRequest(f"max_tokens: {max_tokens} is outside 1..{MAX_COMPLETION_TOKENS}")
    if not 0 <= top_logprobs <= MAX_TOP_LOGPROBS:
        raise InvalidLLMRequest(f"top_logprobs: {top_logprobs} is outside 0..{MAX_TOP_LOGPROBS}")


def generate(
    engine: Engine, prompt: str, max_tokens: int, top_logprobs: int = 0, chat: bool = False
) -> Generation:
    """Run ``engine.stream`` to the end and collect the answer."""
    check_params(prompt, max_tokens, top_logprobs)
    tokens = tuple(engine.stream(prompt, max_tokens, top_logprobs, chat))
    finish: FinishReason = "length" if len(tokens) >= max_tokens else "stop"
    return Generation(
        prompt_tokens=engine.count_tokens(prompt), tokens=tokens, finish_reason=finish
    )
