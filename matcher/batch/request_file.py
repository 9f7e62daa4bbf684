"""Validation of a batch input file (OpenAI's JSONL request format)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from matcher.errors import InvalidField
from protocol.http_guard import DEFAULT_MAX_JSON_DEPTH, json_too_deep

SUPPORTED_ENDPOINTS = ("/v1/chat/completions", "/v1/completions", "/v1/embeddings")
MAX_LINES = 50_000
# Per-request output budget when the body names none; tokens are ~4 characters.
DEFAULT_MAX_TOKENS = 1_000
CHARS_PER_TOKEN = 4


@dataclass(frozen=True, slots=True)
class BatchRequest:
    line: int
    custom_id: str
    url: str
    body: dict[str, Any]
    tokens: int


@dataclass(frozen=True, slots=True)
class RequestFile:
    requests: tuple[BatchRequest, ...]
    model: str
    url: str

    @property
    def tokens(self) -> int:
        return sum(r.tokens for r in self.requests)

    def units(self, unit: str) -> int:
        """Units to buy: per 1k tokens for token-priced resources, else one per request."""
        if unit == "1k tokens":
            return max(1, math.ceil(self.tokens / 1000))
        return len(self.requests)


def _bad(line: int, message: str) -> InvalidField:
    return InvalidField(f"line {line}: {message}", field="file")


def _estimate_tokens(url: str, body: dict[str, Any]) -> int:
    prompt_chars = len(json.dumps(body.get("messages", body.get("prompt", body.get("input", "")))))
    prompt = math.ceil(prompt_chars / CHARS_PER_TOKEN)
    if url == "/v1/embeddings":
        return max(1, prompt)
    out = body.get("max_completion_tokens", body.get("max_tokens", DEFAULT_MAX_TOKENS))
    if not isinstance(out, int) or isinstance(out, bool) or out < 1:
        out = DEFAULT_MAX_TOKENS
    return prompt + out


def parse_request_file(content: bytes) -> RequestFile:
    """Every line a request object with a unique custom_id, one endpoint and one model."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidField(f"the file is not UTF-8 text: {exc}", field="file") from None
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise InvalidField("the file has no request lines (JSONL expected)", field="file")
    if len(lines) > MAX_LINES:
        raise InvalidField(f"the file has {len(lines)} lines; at most {MAX_LINES}", field="file")
    requests: list[BatchRequest] = []
    seen: set[str] = set()
    models: set[str] = set()
    urls: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        if json_too_deep(raw):
            raise _bad(number, f"nests JSON deeper than {DEFAULT_MAX_JSON_DEPTH} levels")
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise _bad(number, f"not JSON ({exc.msg}); the file must be JSONL") from None
        if not isinstance(obj, dict):
            raise _bad(number, "each line must be a JSON object")
        custom_id = obj.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            raise _bad(number, "custom_id must be a non-empty string")
        if custom_id in seen:
            raise _bad(number, f"custom_id {custom_id!r} is used twice")
        seen.add(custom_id)
        if obj.get("method") != "POST":
            raise _bad(number, 'method must be "POST"')
        url = obj.get("url")
        if url not in SUPPORTED_ENDPOINTS:
            raise _bad(number, f"url must be one of {', '.join(SUPPORTED_ENDPOINTS)}")
        body = obj.get("body")
        if not isinstance(body, dict):
            raise _bad(number, "body must be a JSON object")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise _bad(number, "body.model must name the model (a resource of the market)")
        models.add(model)
        urls.add(url)
        requests.append(BatchRequest(number, custom_id, url, body, _estimate_tokens(url, body)))
    if len(models) > 1:
        raise InvalidField(f"one model per batch; the file names {sorted(models)}", field="file")
    if len(urls) > 1:
        raise InvalidField(f"one endpoint per batch; the file uses {sorted(urls)}", field="file")
    return RequestFile(tuple(requests), models.pop(), urls.pop())
