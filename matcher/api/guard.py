"""The matcher's use of the shared request guard (protocol.http_guard): per-route body
limits, and requests refused on their headers before their body is read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Match

from matcher.api.errors import ErrorBody, ErrorResponse, http_status_of
from matcher.auth.api_key import verify_api_key
from matcher.auth.request_signature import HEADER_SIGNATURE, HEADER_SIGNER
from matcher.errors import MatcherError
from matcher.service import MatcherService
from protocol.documents import DOCUMENTS_PATH, MAX_DOCUMENT_BYTES
from protocol.http_guard import GuardRefusal, Scope

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FILES_PATH = "/v1/files"


def _headers(scope: Scope) -> dict[str, str]:
    return {
        bytes(k).decode("latin-1").lower(): bytes(v).decode("latin-1") for k, v in scope["headers"]
    }


def render(refusal: GuardRefusal) -> dict[str, Any]:
    kind = "authentication_error" if refusal.status == 401 else "invalid_request_error"
    body = ErrorBody(code=refusal.code, message=refusal.message, param=refusal.param, type=kind)
    return ErrorResponse(error=body).model_dump()


def _auth_refusal(exc: MatcherError) -> GuardRefusal:
    return GuardRefusal(http_status_of(exc)[0], exc.code, exc.message, exc.field)


class MatcherGuard:
    """Limits and header checks of the matcher's routes."""

    def __init__(self, service: MatcherService, routes: Sequence[BaseRoute] = ()) -> None:
        self.service = service
        self.routes = routes

    def _routed(self, scope: Scope) -> bool:
        """A route takes this method and path (else the app answers 404 or 405)."""
        return any(route.matches(scope)[0] is Match.FULL for route in self.routes)

    def limit_for(self, scope: Scope) -> int:
        settings = self.service.settings
        if scope.get("path") == FILES_PATH:
            return settings.max_file_bytes + 64 * 1024  # the file and its multipart framing
        if str(scope.get("path", "")).startswith(DOCUMENTS_PATH + "/"):
            return MAX_DOCUMENT_BYTES  # job documents and results (the host mounts the store)
        return settings.max_body_bytes

    def precheck(self, scope: Scope) -> GuardRefusal | None:
        """Refuse an unauthenticated write before its body is read (a request no route
        takes is left to the app: 404, or 405 with Allow)."""
        if scope.get("method") not in _BODY_METHODS:
            return None
        refusal = self._refusal(scope)
        if refusal is not None and self.routes and not self._routed(scope):
            return None  # routes are matched only on refusal: the signed path stays fast
        return refusal

    def _refusal(self, scope: Scope) -> GuardRefusal | None:
        path: str = scope.get("path", "")
        headers = _headers(scope)
        if path.startswith("/v1/"):
            authorization = headers.get("authorization")
            if authorization is None or not authorization.startswith("Bearer "):
                return GuardRefusal(
                    401,
                    "unauthorized",
                    "header Authorization must be 'Bearer <GPUC API key>'",
                    "Authorization",
                )
            if path == FILES_PATH:  # the big body: verify the key itself first
                try:
                    verify_api_key(
                        authorization.removeprefix("Bearer ").strip(),
                        chain_id=self.service.settings.chain_id,
                        now=self.service.now(),
                        max_lifetime_s=self.service.settings.max_api_key_lifetime_s,
                        revoked=self.service.revoked_keys,
                    )
                except MatcherError as exc:
                    return _auth_refusal(exc)
            return None
        if path.startswith("/api/market/"):
            for name in (HEADER_SIGNER, HEADER_SIGNATURE):
                if name.lower() not in headers:
                    return GuardRefusal(
                        401, "unauthorized", f"header {name} is missing; sign the request", name
                    )
        return None
