"""Request-scoped helpers: the service, signatures, API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from matcher.auth.api_key import verify_api_key
from matcher.auth.request_signature import (
    HEADER_EXPIRY,
    HEADER_NONCE,
    HEADER_SIGNATURE,
    HEADER_SIGNER,
    SignedRequest,
    recover_request_signer,
)
from matcher.errors import AuthError, PayloadTooLarge
from matcher.service import MatcherService, Signer
from protocol.wire_ints import parse_ascii_uint


async def get_service(request: Request) -> MatcherService:
    service: MatcherService = request.app.state.service
    return service


Service = Annotated[MatcherService, Depends(get_service)]


def _uint(text: str | None, header: str, bits: int) -> int:
    if text is None:
        raise AuthError(f"header {header} is missing; sign the request", field=header)
    value = parse_ascii_uint(text, bits=bits)
    if value is None:
        raise AuthError(f"header {header} must be a uint{bits} in ASCII decimal", field=header)
    return value


async def signed_by(request: Request) -> Signer:
    """The wallet that signed this exact request (EIP-712 Request, see matcher.auth)."""
    # Headers are read here rather than as four FastAPI Header() parameters: resolving
    # those costs more per request than the checks themselves.
    service: MatcherService = request.app.state.service
    headers = request.headers
    x_gpuc_signer = headers.get(HEADER_SIGNER)
    x_gpuc_nonce = headers.get(HEADER_NONCE)
    x_gpuc_expiry = headers.get(HEADER_EXPIRY)
    x_gpuc_signature = headers.get(HEADER_SIGNATURE)
    if x_gpuc_signer is None or x_gpuc_signature is None:
        missing = HEADER_SIGNER if x_gpuc_signer is None else HEADER_SIGNATURE
        raise AuthError(f"header {missing} is missing; sign the request", field=missing)
    nonce = _uint(x_gpuc_nonce, HEADER_NONCE, 256)
    expiry = _uint(x_gpuc_expiry, HEADER_EXPIRY, 64)
    body = await request.body()
    if len(body) > service.settings.max_body_bytes:
        raise PayloadTooLarge(
            f"the body is {len(body)} bytes; at most {service.settings.max_body_bytes}",
            field="body",
        )
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    signed = SignedRequest(x_gpuc_signer, nonce, expiry, x_gpuc_signature)
    address = recover_request_signer(service.settings.chain_id, request.method, path, body, signed)
    signer = Signer(address, nonce, expiry)
    service.authorize(signer)
    return signer


SignedBy = Annotated[Signer, Depends(signed_by)]


async def api_key_owner(
    service: Service,
    authorization: Annotated[str | None, Header()] = None,
) -> str:
    """The wallet behind the Bearer API key (OpenAI endpoints)."""
    if authorization is None or not authorization.startswith("Bearer "):
        raise AuthError(
            "header Authorization must be 'Bearer <GPUC API key>'", field="Authorization"
        )
    now = service.now()
    owner = verify_api_key(
        authorization.removeprefix("Bearer ").strip(),
        chain_id=service.settings.chain_id,
        now=now,
        max_lifetime_s=service.settings.max_api_key_lifetime_s,
        revoked=service.revoked_keys,
    )
    service.limiter.take(owner.lower(), now)
    return owner


KeyOwner = Annotated[str, Depends(api_key_owner)]
