"""OpenAI wire shapes of answers: chat.completion, text_completion and their
stream chunks, with ``usage`` always and ``logprobs`` when asked. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from protocol.llm.bill import Answer, SignedBill
from protocol.llm.requests import LLMRequest
from protocol.llm.types import TokenStep

__all__ = ["answer_body", "chunk_body", "final_chunk_body", "models_body", "usage"]


def usage(answer: Answer) -> dict[str, int]:
    return {
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
        "total_tokens": answer.tokens,
    }


def _chat_logprob(step: TokenStep) -> dict[str, Any]:
    return {
        "token": step.text,
        "logprob": step.logprob,
        "bytes": list(step.text.encode()),
        "top_logprobs": [
            {"token": t.text, "logprob": t.logprob, "bytes": list(t.text.encode())}
            for t in step.top
        ],
    }


def _completion_logprobs(steps: Sequence[TokenStep]) -> dict[str, Any]:
    offsets: list[int] = []
    position = 0
    for step in steps:
        offsets.append(position)
        position += len(step.text)
    return {
        "tokens": [s.text for s in steps],
        "token_logprobs": [s.logprob for s in steps],
        "top_logprobs": [{t.text: t.logprob for t in s.top} for s in steps],
        "text_offset": offsets,
    }


def _wants_logprobs(request: LLMRequest) -> bool:
    return bool(request.logprobs) if request.endpoint == "chat" else request.logprobs is not None


def answer_body(
    completion_id: str,
    created: int,
    request: LLMRequest,
    answer: Answer,
    steps: Sequence[TokenStep],
    bill: SignedBill | None,
) -> dict[str, Any]:
    """The answer's body; ``bill`` None for a batch line (a batch job is paid from its own
    escrow by its committed result, not from a session's running bill)."""
    logprobs: Any = None
    if request.endpoint == "chat":
        if _wants_logprobs(request):
            logprobs = {"content": [_chat_logprob(s) for s in steps]}
        choice: dict[str, Any] = {
            "index": 0,
            "message": {"role": "assistant", "content": answer.text},
            "logprobs": logprobs,
            "finish_reason": answer.finish_reason,
        }
        kind = "chat.completion"
    else:
        if _wants_logprobs(request):
            logprobs = _completion_logprobs(steps)
        choice = {
            "index": 0,
            "text": answer.text,
            "logprobs": logprobs,
            "finish_reason": answer.finish_reason,
        }
        kind = "text_completion"
    body = {
        "id": completion_id,
        "object": kind,
        "created": created,
        "model": request.model,
        "choices": [choice],
        "usage": usage(answer),
    }
    if bill is not None:
        body["gpuc_bill"] = bill.model_dump(mode="json")
    return body


def chunk_body(
    completion_id: str, created: int, request: LLMRequest, step: TokenStep | None
) -> dict[str, Any]:
    """One streamed token (``step``), or the opening role chunk of a chat (None)."""
    if request.endpoint == "chat":
        delta: dict[str, Any] = (
            {"role": "assistant", "content": ""} if step is None else {"content": step.text}
        )
        logprobs = (
            {"content": [_chat_logprob(step)]}
            if step is not None and _wants_logprobs(request)
            else None
        )
        choice: dict[str, Any] = {
            "index": 0,
            "delta": delta,
            "logprobs": logprobs,
            "finish_reason": None,
        }
        kind = "chat.completion.chunk"
    else:
        choice = {
            "index": 0,
            "text": "" if step is None else step.text,
            "logprobs": _completion_logprobs([step])
            if step is not None and _wants_logprobs(request)
            else None,
            "finish_reason": None,
        }
        kind = "text_completion"
    return {
        "id": completion_id,
        "object": kind,
        "created": created,
        "model": request.model,
        "choices": [choice],
    }


def final_chunk_body(
    completion_id: str, created: int, request: LLMRequest, answer: Answer, bill: SignedBill
) -> dict[str, Any]:
    body = chunk_body(completion_id, created, request, None)
    choice = body["choices"][0]
    if request.endpoint == "chat":
        choice["delta"] = {}
    choice["finish_reason"] = answer.finish_reason
    body["usage"] = usage(answer)
    body["gpuc_bill"] = bill.model_dump(mode="json")
    return body


def models_body(models: Sequence[str], owner: str) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": m, "object": "model", "created": 0, "owned_by": owner} for m in models],
    }
