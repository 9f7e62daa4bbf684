"""Every error as JSON: {"error": {"code", "message", "param", "type"}}.

The shape is OpenAI's, so the official client reads our messages too; `param` names
the request field that is wrong.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from matcher.dashboard.errors import (
    ContainerResultUnavailable,
    DashboardError,
    NotAContainerResult,
)
from matcher.errors import (
    AuthError,
    Conflict,
    EngineFailure,
    InvalidField,
    MatcherError,
    NoOfferBelowMaxPrice,
    NotFound,
    NotOwner,
    PayloadTooLarge,
    RateLimited,
    StorageUnavailable,
    UnknownResource,
)

# The one mapping of the matcher's errors to HTTP: (status, OpenAI error type), most
# specific class first; MatcherError last catches the rest.
_HTTP: tuple[tuple[type[MatcherError], int, str], ...] = (
    (ContainerResultUnavailable, 404, "invalid_request_error"),
    (NotAContainerResult, 422, "invalid_request_error"),
    (DashboardError, 500, "server_error"),
    (InvalidField, 422, "invalid_request_error"),
    (UnknownResource, 422, "invalid_request_error"),
    (NotFound, 404, "invalid_request_error"),
    (NotOwner, 403, "permission_error"),
    (Conflict, 409, "invalid_request_error"),
    (NoOfferBelowMaxPrice, 409, "invalid_request_error"),
    (AuthError, 401, "authentication_error"),
    (RateLimited, 429, "rate_limit_error"),
    (PayloadTooLarge, 413, "invalid_request_error"),
    (EngineFailure, 500, "server_error"),
    (StorageUnavailable, 503, "server_error"),
    (MatcherError, 400, "invalid_request_error"),
)


def http_status_of(exc: MatcherError) -> tuple[int, str]:
    """The HTTP status and OpenAI error type the API answers ``exc`` with."""
    for kind, status, error_type in _HTTP:
        if isinstance(exc, kind):
            return status, error_type
    raise AssertionError("MatcherError closes the table")  # pragma: no cover


def http_headers_of(exc: MatcherError) -> dict[str, str] | None:
    """Headers the answer to ``exc`` carries (Retry-After for a rate limit)."""
    if isinstance(exc, RateLimited):
        return {"Retry-After": str(exc.retry_after_s)}
    return None


class ErrorBody(BaseModel):
    code: str
    message: str
    param: str | None = None
    type: str


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_response(
    status: int,
    code: str,
    message: str,
    param: str | None,
    kind: str,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, param=param, type=kind))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _matcher_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MatcherError)
    message = (
        f"{exc.field}: {exc.message}" if exc.field and exc.field not in exc.message else exc.message
    )
    status, error_type = http_status_of(exc)
    return error_response(status, exc.code, message, exc.field, error_type, http_headers_of(exc))


def _json_problem(error: Any) -> str:
    ctx = error.get("ctx")
    if isinstance(ctx, dict) and "error" in ctx:
        return str(ctx["error"])
    return str(error.get("msg", "malformed"))


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        return error_response(
            400,
            "invalid_json",
            f"the request body is not valid JSON: {_json_problem(first)}",
            "body",
            "invalid_request_error",
        )
    field = _field_of(tuple(first["loc"]))
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return error_response(
        422, "invalid_field", f"{field}: {first['msg']}{more}", field, "invalid_request_error"
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    headers = dict(exc.headers) if exc.headers else None  # 405 names what is Allowed
    return error_response(
        exc.status_code, code, str(exc.detail), None, "invalid_request_error", headers
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(MatcherError, _matcher_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}
