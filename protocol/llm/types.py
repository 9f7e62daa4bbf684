"""Typed values of LLM inference shared by the engine, provider and oracle."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_COMPLETION_TOKENS",
    "MAX_TOP_LOGPROBS",
    "ChatMessage",
    "FinishReason",
    "Generation",
    "TokenStep",
    "TopLogprob",
]

MAX_COMPLETION_TOKENS = 4096
MAX_TOP_LOGPROBS = 20

FinishReason = Literal["stop", "length"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChatMessage(_Frozen):
    role: Literal["system", "user", "assistant"]
    content: str = Field(max_length=1_000_000)


class TopLogprob(_Frozen):
    token_id: int | None
    text: str
    logprob: float


class TokenStep(_Frozen):
    """One generated token: its id (when the engine knows it), text and logprob,
    and the ``top_logprobs`` alternatives when asked for."""

    token_id: int | None
    text: str
    logprob: float
    top: tuple[TopLogprob, ...] = ()


class Generation(_Frozen):
    """A finished answer: the prompt's token count, the tokens, and why it stopped."""

    prompt_tokens: int = Field(ge=0)
    tokens: tuple[TokenStep, ...]
    finish_reason: FinishReason

    @property
    def text(self) -> str:
        return "".join(t.text for t in self.tokens)

    @property
    def completion_tokens(self) -> int:
        return len(self.tokens)
