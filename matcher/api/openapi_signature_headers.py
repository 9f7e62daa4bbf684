"""Document the wallet-signature headers in the OpenAPI schema.

`signed_by` reads the four X-GPUC-* headers itself (FastAPI Header() parameters cost more per
request than the checks), so the generated schema would not list them. This adds them, as
required header parameters, to every operation whose route depends on `signed_by`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from matcher.api.dependencies import signed_by
from matcher.auth.request_signature import (
    HEADER_EXPIRY,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_SIGNER,
)

__all__ = ["document_signature_headers"]

_HEADERS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (HEADER_SIGNER, "The wallet that signed this request.", {"type": "string"}),
    (HEADER_NONCE, "uint256 in decimal; never reused by this wallet.", {"type": "string"}),
    (
        HEADER_EXPIRY,
        "uint64 unix seconds after which the signature is refused.",
        {"type": "string"},
    ),
    (
        HEADER_SIGNATURE,
        "65-byte EIP-712 signature (low s, v 27/28) over Request(method, path, bodyHash, "
        "nonce, expiry) in the domain 'GPUC Matcher' v1 on the configured chain id.",
        {"type": "string"},
    ),
)


def _uses_signed_by(dependant: Dependant) -> bool:
    return any(d.call is signed_by or _uses_signed_by(d) for d in dependant.dependencies)


def _api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    # FastAPI 0.165 wraps each included router; its routes hang off `original_router`.
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (inner := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(inner.routes)


def document_signature_headers(app: FastAPI) -> None:
    """Wrap app.openapi so signed operations list the signature headers."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for route in _api_routes(app.routes):
            if not _uses_signed_by(route.dependant):
                continue
            for method in route.methods or ():
                operation = schema["paths"].get(route.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                params = operation.setdefault("parameters", [])
                present = {p["name"] for p in params}
                params.extend(
                    {
                        "name": name,
                        "in": "header",
                        "required": True,
                        "description": doc,
                        "schema": kind,
                    }
                    for name, doc, kind in _HEADERS
                    if name not in present
                )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
