"""The OpenAI-compatible request bodies a provider serves, and how each becomes a
prompt. The provider, the gateway and the oracle all read requests through these
models, so the request digest chained in the bill is computed the same way by
all three (``canonical`` below)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from protocol.llm.chat_format import format_chat
from protocol.llm.types import MAX_COMPLETION_TOKENS, MAX_TOP_LOGPROBS, ChatMessage

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "ChatRequest",
    "CompletionRequest",
    "LLMRequest",
    "parse_request",
]

DEFAULT_MAX_TOKENS = 64


class _Request(BaseModel):
    # Unknown OpenAI options (user, n=1, presence_penalty...) are accepted and
    # ignored; decoding is always greedy.
    model_config = ConfigDict(frozen=True, extra="ignore")

    model: str = Field(min_length=1, max_length=200)
    max_tokens: int | None = Field(default=None, ge=1, le=MAX_COMPLETION_TOKENS)
    stream: bool = False
    temperature: float | None = Field(default=None, ge=0, le=2)
    n: int = Field(default=1, ge=1, le=1)

    @property
    def limit(self) -> int:
        return self.max_tokens or DEFAULT_MAX_TOKENS

    def canonical(self) -> dict[str, Any]:
        """The document hashed into the bill: the parsed request without ``stream``
        (a streamed and a non-streamed answer are the same answer)."""
        return self.model_dump(mode="json", exclude_none=True, exclude={"stream"})


class ChatRequest(_Request):
    endpoint: Literal["chat"] = "chat"
    messages: tuple[ChatMessage, ...] = Field(min_length=1, max_length=1000)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=MAX_COMPLETION_TOKENS)
    logprobs: bool = False
    top_logprobs: int | None = Field(default=None, ge=0, le=MAX_TOP_LOGPROBS)

    @model_validator(mode="after")
    def _merge_limits(self) -> ChatRequest:
        if self.max_completion_tokens is not None and self.max_tokens is None:
            object.__setattr__(self, "max_tokens", self.max_completion_tokens)
            object.__setattr__(self, "max_completion_tokens", None)
        return self

    @property
    def prompt(self) -> str:
        return format_chat(self.messages)

    @property
    def chat(self) -> bool:
        return True

    @property
    def top_k(self) -> int:
        return (self.top_logprobs or 0) if self.logprobs else 0


class CompletionRequest(_Request):
    endpoint: Literal["completions"] = "completions"
    prompt_text: str = Field(alias="prompt", min_length=1, max_length=1_000_000)
    logprobs: int | None = Field(default=None, ge=0, le=MAX_TOP_LOGPROBS)
    echo: Literal[False] = False

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    @property
    def prompt(self) -> str:
        return self.prompt_text

    @property
    def chat(self) -> bool:
        return False

    @property
    def top_k(self) -> int:
        return self.logprobs or 0

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, exclude={"stream"}, by_alias=True)


LLMRequest = ChatRequest | CompletionRequest


def parse_request(document: dict[str, Any]) -> LLMRequest:
    """A canonical request document (as chained) back into its model."""
    if document.get("endpoint") == "chat":
        return ChatRequest.model_validate(document)
    return CompletionRequest.model_validate(document)
