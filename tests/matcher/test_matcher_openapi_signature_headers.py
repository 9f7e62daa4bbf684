"""The OpenAPI schema tells clients which requests must be wallet-signed, and how."""

from __future__ import annotations

from pathlib import Path

from matcher.api.app import create_app
from matcher.auth.request_signature import (
    HEADER_EXPIRY,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_SIGNER,
)
from matcher.settings import MatcherSettings

SIGNATURE_HEADERS = {HEADER_SIGNER, HEADER_NONCE, HEADER_EXPIRY, HEADER_SIGNATURE}


def _header_params(operation: dict[str, object]) -> set[str]:
    params = operation.get("parameters", [])
    assert isinstance(params, list)
    return {p["name"] for p in params if p["in"] == "header" and p.get("required")}


def test_signed_operations_document_the_signature_headers(tmp_path: Path) -> None:
    app = create_app(MatcherSettings(database_url=f"sqlite:///{tmp_path}/m.db", chain_id=31337))
    paths = app.openapi()["paths"]
    # State-changing market routes are signed; reads are not.
    assert _header_params(paths["/api/market/orders"]["post"]) >= SIGNATURE_HEADERS
    assert _header_params(paths["/api/market/register"]["post"]) >= SIGNATURE_HEADERS
    assert _header_params(paths["/api/market/offers/{offer_id}"]["delete"]) >= SIGNATURE_HEADERS
    assert not SIGNATURE_HEADERS & _header_params(paths["/api/market"]["get"])
    # Each header appears once even when the schema is built again.
    app.openapi_schema = None
    again = app.openapi()["paths"]["/api/market/orders"]["post"]["parameters"]
    names = [p["name"] for p in again]
    assert len(names) == len(set(names))
