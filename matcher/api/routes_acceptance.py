"""A fill's signed acceptance: the provider posts it, the consumer reads it and opens the
job accepted in one transaction (protocol.wire.acceptance)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from matcher.api.dependencies import Service, SignedBy
from matcher.api.errors import ERROR_RESPONSES
from matcher.engine.commands import PostAcceptance
from matcher.errors import NotFound
from matcher.service import MatcherService
from protocol.wire.acceptance import AcceptancePost, AcceptanceView

router = APIRouter(prefix="/api/market", tags=["providers"], responses=ERROR_RESPONSES)
FillId = Annotated[str, Path(min_length=1, max_length=80)]


@router.post(
    "/fills/{fill_id}/acceptance",
    status_code=201,
    summary="The provider's signed acceptance of a fill's terms",
)
async def post_acceptance(
    fill_id: FillId, body: AcceptancePost, service: Service, signer: SignedBy
) -> AcceptanceView:
    """Only the fill's provider may post it, once (the same signature again is a no-op).
    The matcher does not check the signature: the escrow does, and the consumer checks it
    before using it (a bad one only costs the consumer a fallback to open + accept)."""
    command = PostAcceptance(fill_id=fill_id, provider=signer.address, signature=body.signature)
    await service.execute(command, signer)
    return _view(service, fill_id)


@router.get("/fills/{fill_id}/acceptance", summary="A fill's signed acceptance, if any")
async def get_acceptance(fill_id: FillId, service: Service) -> AcceptanceView:
    return _view(service, fill_id)


def _view(service: MatcherService, fill_id: str) -> AcceptanceView:
    fill = service.engine.fill(fill_id)
    held = service.engine.acceptances.get(fill_id)
    if held is None:
        raise NotFound(f"fill {fill_id} has no acceptance (yet)", field="fill_id")
    return AcceptanceView(
        fill_id=fill_id,
        job_id=service.engine.terms(fill).job_id_hex(),
        provider=fill.provider,
        signature=held[0],
        at=held[1],
    )
