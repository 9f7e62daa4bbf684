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
class LineError:
    """One bad line, reported in the batch's `errors` as OpenAI does."""

    line: int
    code: str
    message: str
    param: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "param": self.param, "line": self.line}


@dataclass(frozen=True, slots=True)
class RequestFile:
    requests: tuple[BatchRequest, ...]
    model: str | None  # of the first good line; None when no line is good
    url: str | None
    errors: tuple[LineError, ...] = ()

    @property
    def tokens(self) -> int:
        return sum(r.tokens for r in self.requests)

    def units(self, unit: str) -> int:
        """Units to buy: per 1k tokens for token-priced resources, else one per request."""
        if unit == "1k tokens":
            return max(1, math.ceil(self.tokens / 1000))
        return len(self.requests)


def _estimate_tokens(url: str, body: dict[str, Any]) -> int:
    prompt_chars = len(json.dumps(body.get("messages", body.get("prompt", body.get("input", "")))))
    prompt = math.ceil(prompt_chars / CHARS_PER_TOKEN)
    if url == "/v1/embeddings":
        return max(1, prompt)
    out = body.get("max_completion_tokens", body.get("max_tokens", DEFAULT_MAX_TOKENS))
    if not isinstance(out, int) or isinstance(out, bool) or out < 1:
        out = DEFAULT_MAX_TOKENS
    return prompt + out


def _parse_line(number: int, raw: str) -> tuple[BatchRequest | None, LineError | None]:
    if json_too_deep(raw):
        message = f"line {number}: nests JSON deeper than {DEFAULT_MAX_JSON_DEPTH} levels"
        return None, LineError(number, "invalid_json_line", message)
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        message = f"line {number}: not JSON ({exc.msg}); the file must be JSONL"
        return None, LineError(number, "invalid_json_line", message)

    def bad(message: str, param: str) -> tuple[None, LineError]:
        return None, LineError(number, "invalid_request", f"line {number}: {message}", param)

    if not isinstance(obj, dict):
        return bad("each line must be a JSON object", "line")
    custom_id = obj.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return bad("custom_id must be a non-empty string", "custom_id")
    if obj.get("method") != "POST":
        return bad('method must be "POST"', "method")
    url = obj.get("url")
    if url not in SUPPORTED_ENDPOINTS:
        return bad(f"url must be one of {', '.join(SUPPORTED_ENDPOINTS)}", "url")
    body = obj.get("body")
    if not isinstance(body, dict):
        return bad("body must be a JSON object", "body")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return bad("body.model must name the model (a resource of the market)", "body.model")
    return BatchRequest(number, custom_id, url, body, _estimate_tokens(url, body)), None


def parse_request_file(content: bytes) -> RequestFile:
    """The file's good requests and its bad lines (unique custom_id, one endpoint and one
    model per file). Only a file that is not JSONL text at all is refused outright."""
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
    errors: list[LineError] = []
    seen: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        request, error = _parse_line(number, raw)
        if request is None:
            assert error is not None
            errors.append(error)
            continue
        if request.custom_id in seen:
            message = f"line {number}: custom_id {request.custom_id!r} is used twice"
            errors.append(LineError(number, "duplicate_custom_id", message, "custom_id"))
            continue
        if requests and request.body["model"] != requests[0].body["model"]:
            message = f"line {number}: one model per batch; line {requests[0].line} names"
            message += f" {requests[0].body['model']!r}, this one {request.body['model']!r}"
            errors.append(LineError(number, "mismatched_model", message, "body.model"))
            continue
        if requests and request.url != requests[0].url:
            message = f"line {number}: one endpoint per batch; {requests[0].url} and {request.url}"
            errors.append(LineError(number, "mismatched_url", message, "url"))
            continue
        seen.add(request.custom_id)
        requests.append(request)
    first = requests[0] if requests else None
    return RequestFile(
        tuple(requests),
        None if first is None else str(first.body["model"]),
        None if first is None else first.url,
        tuple(errors),
    )
