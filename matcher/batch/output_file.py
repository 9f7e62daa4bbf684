"""Output and error files in OpenAI's batch format."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from matcher.batch.request_file import RequestFile
from matcher.errors import InvalidField


class ResultError(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=128)
    message: str = Field(max_length=4096)


class RequestResult(BaseModel):
    """The provider's answer to one request: a response body or an error."""

    model_config = ConfigDict(extra="forbid")
    custom_id: str = Field(min_length=1, max_length=512)
    status_code: int = Field(default=200, ge=100, le=599)
    body: dict[str, Any] | None = None
    error: ResultError | None = None


def _request_id(batch_id: str, custom_id: str) -> str:
    return "req_" + hashlib.sha256(f"{batch_id}/{custom_id}".encode()).hexdigest()[:24]


def build_result_files(
    batch_id: str, requests: RequestFile, results: list[RequestResult], provider: str | None = None
) -> tuple[bytes, bytes, int, int]:
    """(output JSONL, error JSONL, completed, failed), lines in input order.

    Every request needs exactly one result; an error result or a status >= 400 goes
    to the error file. Each line names the ``provider`` that answered it (an extra field
    OpenAI clients ignore).
    """
    by_id: dict[str, RequestResult] = {}
    for index, result in enumerate(results):
        if result.custom_id in by_id:
            raise InvalidField(
                f"results[{index}].custom_id {result.custom_id!r} is answered twice",
                field="results",
            )
        by_id[result.custom_id] = result
    wanted = {r.custom_id for r in requests.requests}
    unknown = sorted(set(by_id) - wanted)
    if unknown:
        raise InvalidField(f"results name unknown custom_ids: {unknown[:5]}", field="results")
    missing = [r.custom_id for r in requests.requests if r.custom_id not in by_id]
    if missing:
        raise InvalidField(f"no result for custom_ids: {missing[:5]}", field="results")
    out: list[str] = []
    err: list[str] = []
    for request in requests.requests:
        result = by_id[request.custom_id]
        rid = _request_id(batch_id, request.custom_id)
        line_id = "batch_req_" + rid[4:]
        if result.error is not None or result.status_code >= 400 or result.body is None:
            error = result.error or ResultError(
                code="provider_error", message=f"status {result.status_code}"
            )
            err.append(
                json.dumps(
                    {
                        "id": line_id,
                        "custom_id": request.custom_id,
                        "response": None,
                        "error": error.model_dump(),
                        "provider": provider,
                    }
                )
            )
        else:
            response = {"status_code": result.status_code, "request_id": rid, "body": result.body}
            out.append(
                json.dumps(
                    {
                        "id": line_id,
                        "custom_id": request.custom_id,
                        "response": response,
                        "error": None,
                        "provider": provider,
                    }
                )
            )
    return _jsonl(out), _jsonl(err), len(out), len(err)


def _jsonl(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode() if lines else b""
