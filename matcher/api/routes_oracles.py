"""Where the oracle committee's members can be reached: one list every provider and peer
reads, instead of URLs copied into each config.

    GET    /api/oracles       every published member endpoint (no auth)
    PUT    /api/oracles/me    {"url": ...}, signed by the member's wallet: publish or move
    DELETE /api/oracles/me    signed by the member's wallet: withdraw

The matcher does not decide who is a member: readers keep only the addresses the chain's
OracleCommittee says are members (`gpuc oracle join` publishes; `gpuc oracle leave`
withdraws). Records live in the matcher's database, in their own table.
"""

from __future__ import annotations

import weakref
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, Double, MetaData, String, Table, delete, insert, select
from sqlalchemy.engine import Engine

from matcher.api.dependencies import Service, SignedBy
from matcher.api.errors import ERROR_RESPONSES
from matcher.service import MatcherService
from protocol.wire.matcher import OracleEndpoints, OracleEndpointView

router = APIRouter(prefix="/api/oracles", tags=["oracles"], responses=ERROR_RESPONSES)

_metadata = MetaData()
_endpoints = Table(
    "matcher_oracle_endpoints",
    _metadata,
    Column("address", String(42), primary_key=True),
    Column("url", String(200), nullable=False),
    Column("updated_at", Double, nullable=False),
)
_ready: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines whose table exists


class PublishEndpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, Field(min_length=8, max_length=200, pattern=r"^https?://[^\s]+$")]


def _engine(service: MatcherService) -> Engine:
    engine = service.store.engine
    if engine not in _ready:
        _metadata.create_all(engine)
        _ready.add(engine)
    return engine


@router.get("", summary="Oracle members' endpoints (check membership on chain)")
def list_endpoints(service: Service) -> OracleEndpoints:
    with _engine(service).connect() as conn:
        rows = conn.execute(select(_endpoints).order_by(_endpoints.c.address)).all()
    return OracleEndpoints(
        oracles=[
            OracleEndpointView(address=r.address, url=r.url, updated_at=r.updated_at) for r in rows
        ]
    )


@router.put("/me", summary="Publish (or move) the signing member's oracle endpoint")
def publish_endpoint(
    body: PublishEndpoint, service: Service, signer: SignedBy
) -> OracleEndpointView:
    now = service.now()
    with _engine(service).begin() as conn:
        conn.execute(delete(_endpoints).where(_endpoints.c.address == signer.address))
        conn.execute(
            insert(_endpoints).values(address=signer.address, url=body.url, updated_at=now)
        )
    return OracleEndpointView(address=signer.address, url=body.url, updated_at=now)


@router.delete("/me", summary="Withdraw the signing member's oracle endpoint")
def withdraw_endpoint(service: Service, signer: SignedBy) -> OracleEndpoints:
    with _engine(service).begin() as conn:
        conn.execute(delete(_endpoints).where(_endpoints.c.address == signer.address))
    return list_endpoints(service)
