"""API keys for the OpenAI endpoints: register one (to list it later), list, revoke.

A key is made offline by the wallet (see matcher.auth.api_key); registering it is
optional, revoking it is not: a revoked key is refused from then on, durably.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from matcher.api.dependencies import Service, SignedBy
from matcher.api.errors import ERROR_RESPONSES
from matcher.auth.api_key import api_key_expiry, api_key_id, verify_api_key
from matcher.engine.commands import RegisterApiKey, RevokeApiKey
from matcher.engine.engine import ApiKeyRecord
from matcher.errors import NotOwner
from matcher.service import MatcherService, Signer
from protocol.wire.matcher import ApiKeyView

router = APIRouter(prefix="/api/market/keys", tags=["api-keys"], responses=ERROR_RESPONSES)
KeyId = Annotated[str, Path(pattern=r"^key_[0-9a-f]{32}$")]


class ApiKeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    key: str = Field(min_length=1, max_length=256, description="gpuc_<owner>_<expiry>_<sig>")


def api_key_view(record: ApiKeyRecord) -> ApiKeyView:
    return ApiKeyView(
        key_id=record.key_id,
        owner=record.owner,
        expires_at=record.expires_at,
        created_at=record.created_at,
        revoked_at=record.revoked_at,
    )


def _own_key(key: str, service: MatcherService, signer: Signer) -> tuple[str, int]:
    owner = verify_api_key(
        key,
        chain_id=service.settings.chain_id,
        now=service.now(),
        max_lifetime_s=service.settings.max_api_key_lifetime_s,
    )
    if owner.lower() != signer.address.lower():
        raise NotOwner(f"the API key belongs to {owner}, not {signer.address}")
    return api_key_id(key), api_key_expiry(key)


@router.post("", status_code=201, summary="Register an API key made by your wallet")
async def register_key(body: ApiKeyRequest, service: Service, signer: SignedBy) -> ApiKeyView:
    key_id, expiry = _own_key(body.key, service, signer)
    command = RegisterApiKey(key_id=key_id, owner=signer.address, expires_at=expiry)
    applied = await service.execute(command, signer)
    assert applied.api_key is not None
    return api_key_view(applied.api_key)


@router.get("", summary="Your registered API keys")
async def list_keys(service: Service, signer: SignedBy) -> list[ApiKeyView]:
    return [api_key_view(k) for k in service.engine.api_keys_of(signer.address)]


@router.post("/revoke", summary="Revoke an API key (registered or not) by the key itself")
async def revoke_key(body: ApiKeyRequest, service: Service, signer: SignedBy) -> ApiKeyView:
    key_id, expiry = _own_key(body.key, service, signer)
    command = RevokeApiKey(key_id=key_id, owner=signer.address, expires_at=expiry)
    applied = await service.execute(command, signer)
    assert applied.api_key is not None
    return api_key_view(applied.api_key)


@router.post("/{key_id}/revoke", summary="Revoke a registered API key by its id")
async def revoke_key_id(key_id: KeyId, service: Service, signer: SignedBy) -> ApiKeyView:
    applied = await service.execute(RevokeApiKey(key_id=key_id, owner=signer.address), signer)
    assert applied.api_key is not None
    return api_key_view(applied.api_key)
