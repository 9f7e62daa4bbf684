"""Providers: register, heartbeat, update and withdraw standing offers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from matcher.api.dependencies import Service, SignedBy
from matcher.api.errors import ERROR_RESPONSES
from matcher.api.schemas import fill_view, offer_view
from matcher.engine.commands import Heartbeat, RegisterOffer, UpdateOffer, WithdrawOffer
from matcher.service import MatcherService, Signer, new_id
from protocol.wire.matcher import (
    FillView,
    OfferView,
    RegisterOfferRequest,
    UpdateOfferRequest,
    WithdrawnOffer,
    WithdrawOfferRequest,
)

router = APIRouter(prefix="/api/market", tags=["providers"], responses=ERROR_RESPONSES)
OfferId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/register", status_code=201, summary="Register capacity (a limit sell)")
async def register(body: RegisterOfferRequest, service: Service, signer: SignedBy) -> OfferView:
    return await _register(body, service, signer)


@router.post("/offers", status_code=201, summary="Register capacity (REST form)")
async def create_offer(body: RegisterOfferRequest, service: Service, signer: SignedBy) -> OfferView:
    return await _register(body, service, signer)


async def _register(
    body: RegisterOfferRequest, service: MatcherService, signer: Signer
) -> OfferView:
    service.catalog.get(body.resource)
    command = RegisterOffer(
        offer_id=new_id("off_"),
        owner=signer.address,
        resource=body.resource,
        strategy=body.strategy,
        capacity_units_per_s=body.capacity_units_per_s,
        min_job_units=body.min_job_units,
        llm=body.llm,
    )
    applied = await service.execute(command, signer)
    assert applied.offer is not None
    return offer_view(applied.offer, service.engine)


@router.get("/offers", summary="Standing offers")
async def list_offers(
    service: Service,
    resource: Annotated[str | None, Query(max_length=64)] = None,
    owner: Annotated[str | None, Query(max_length=42)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[OfferView]:
    if resource is not None:
        service.catalog.get(resource)
    offers = [
        o
        for o in service.engine.book.offers()
        if (resource is None or o.resource == resource)
        and (owner is None or o.owner.lower() == owner.lower())
    ]
    return [offer_view(o, service.engine) for o in offers[:limit]]


@router.get("/offers/{offer_id}", summary="One offer")
async def get_offer(offer_id: OfferId, service: Service) -> OfferView:
    return offer_view(service.engine.book.offer(offer_id), service.engine)


@router.patch("/offers/{offer_id}", summary="Change price strategy, capacity or min job size")
async def update_offer(
    offer_id: OfferId, body: UpdateOfferRequest, service: Service, signer: SignedBy
) -> OfferView:
    command = UpdateOffer(
        offer_id=offer_id,
        owner=signer.address,
        strategy=body.strategy,
        capacity_units_per_s=body.capacity_units_per_s,
        min_job_units=body.min_job_units,
    )
    await service.execute(command, signer)
    return offer_view(service.engine.book.offer(offer_id), service.engine)


@router.post("/offers/{offer_id}/heartbeat", summary="Keep an offer in the book (every < 60 s)")
async def heartbeat(offer_id: OfferId, service: Service, signer: SignedBy) -> OfferView:
    await service.execute(Heartbeat(offer_id=offer_id, owner=signer.address), signer)
    return offer_view(service.engine.book.offer(offer_id), service.engine)


@router.delete("/offers/{offer_id}", summary="Withdraw an offer")
async def delete_offer(offer_id: OfferId, service: Service, signer: SignedBy) -> WithdrawnOffer:
    await service.execute(WithdrawOffer(offer_id=offer_id, owner=signer.address), signer)
    return WithdrawnOffer(offer_id=offer_id)


@router.post("/withdraw", summary="Withdraw an offer")
async def withdraw(
    body: WithdrawOfferRequest, service: Service, signer: SignedBy
) -> WithdrawnOffer:
    await service.execute(WithdrawOffer(offer_id=body.offer_id, owner=signer.address), signer)
    return WithdrawnOffer(offer_id=body.offer_id)


@router.get("/offers/{offer_id}/fills", summary="Jobs matched to an offer")
async def offer_fills(offer_id: OfferId, service: Service) -> list[FillView]:
    return [fill_view(f, service.engine) for f in service.engine.fills_of_offer(offer_id)]
