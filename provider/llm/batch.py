"""An OpenAI Batch API file of chat/completion requests, run through the provider's own
engine (no I/O here: the engine is passed in).

A batch is bought as one escrow job (the matcher's all-or-none limit buy, priced per 1k
tokens): the provider runs every line greedily, returns one result per line (OpenAI's
response body with ``usage``, or an error), and bills the tokens it produced, counted by
the model's own tokenizer, rounded up to whole units of 1k tokens. A line that fails
(bad body, another model, another endpoint) is answered with an error and costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from protocol.llm.bill import Answer
from protocol.llm.engine import Engine, check_params
from protocol.llm.errors import EngineError, LLMError
from protocol.llm.requests import ChatRequest, CompletionRequest, LLMRequest
from provider.llm.openai_shapes import answer_body

__all__ = ["LLM_BATCH_ENDPOINTS", "TOKENS_PER_UNIT", "BatchRun", "billed_units", "run_batch"]

LLM_BATCH_ENDPOINTS: dict[str, type[ChatRequest] | type[CompletionRequest]] = {
    "/v1/chat/completions": ChatRequest,
    "/v1/completions": CompletionRequest,
}
TOKENS_PER_UNIT = 1000  # the market prices LLM resources per 1k tokens


@dataclass(frozen=True, slots=True)
class BatchRun:
    """One result per line (in input order) and the tokens the answered lines used."""

    results: list[dict[str, Any]]
    tokens: int  # prompt + completion, billed
    completion_tokens: int  # generated

    @property
    def answered(self) -> int:
        return sum(1 for r in self.results if r.get("status_code") == 200)


def billed_units(tokens: int, max_units: int) -> int:
    """Units of 1k tokens to bill for ``tokens``: rounded up, at least 1, at most the job's."""
    return max(1, min(math.ceil(tokens / TOKENS_PER_UNIT), max_units))


def _error(custom_id: str, code: str, message: str, status: int = 400) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "status_code": status,
        "error": {"code": code, "message": message},
    }


def _request(line: dict[str, Any], model: str) -> LLMRequest:
    url = line.get("url")
    kind = LLM_BATCH_ENDPOINTS.get(url) if isinstance(url, str) else None
    if kind is None:
        raise LLMError(f"url {url!r}: this provider runs {', '.join(LLM_BATCH_ENDPOINTS)}")
    body = line.get("body")
    if not isinstance(body, dict):
        raise LLMError("body must be a JSON object")
    try:
        request: LLMRequest = kind.model_validate({**body, "stream": False})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise LLMError(problems) from None
    if request.model != model:
        raise LLMError(f"model {request.model!r}: this provider serves {model!r}")
    check_params(request.prompt, request.limit, request.top_k)
    return request


def _line_id(custom_id: str, prefix: str) -> str:
    return f"{prefix}-batch-" + hashlib.sha256(custom_id.encode()).hexdigest()[:24]


def run_batch(
    engine: Engine,
    content: bytes,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.time,
) -> BatchRun:
    """Run every request line of ``content`` (JSONL) through ``engine``.

    ``should_stop`` is asked before each line: once it says so, the lines left are
    answered with a ``cancelled`` error (and not billed)."""
    results: list[dict[str, Any]] = []
    tokens = completion = 0
    for number, raw in enumerate(content.decode("utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
            custom_id = str(line["custom_id"])
        except (ValueError, KeyError, TypeError):
            results.append(_error(f"line-{number}", "invalid_json_line", f"line {number}"))
            continue
        if should_stop():
            results.append(_error(custom_id, "cancelled", "the batch was stopped", 503))
            continue
        try:
            request = _request(line, engine.model)
            steps = tuple(engine.stream(request.prompt, request.limit, request.top_k, request.chat))
            prompt_tokens = engine.count_tokens(request.prompt)
        except EngineError as exc:
            results.append(_error(custom_id, "engine_error", f"line {number}: {exc}", 500))
            continue
        except LLMError as exc:
            results.append(_error(custom_id, "invalid_request", f"line {number}: {exc}"))
            continue
        answer = Answer(
            text="".join(s.text for s in steps),
            finish_reason="length" if len(steps) >= request.limit else "stop",
            prompt_tokens=prompt_tokens,
            completion_tokens=len(steps),
        )
        prefix = "chatcmpl" if request.endpoint == "chat" else "cmpl"
        body = answer_body(_line_id(custom_id, prefix), int(clock()), request, answer, steps, None)
        results.append({"custom_id": custom_id, "status_code": 200, "body": body})
        tokens += answer.tokens
        completion += answer.completion_tokens
    return BatchRun(results=results, tokens=tokens, completion_tokens=completion)
