"""The market API's answers built from the engine's state. The request and response
classes themselves are protocol.wire.matcher (the SDK's client reads the same ones)."""

from __future__ import annotations

from matcher.book.offer import Offer
from matcher.book.order import BuyOrder
from matcher.book.resources import Resource
from matcher.engine.engine import Engine
from protocol.wire.matcher import Fill, FillView, OfferRouting, OfferView, OrderView

__all__ = ["fill_view", "offer_routing", "offer_view", "order_view"]


def offer_routing(offer: Offer, engine: Engine, resource: Resource) -> OfferRouting:
    tokens = "token" in resource.unit
    gpu = resource.unit == "GPU-second"
    return OfferRouting(
        reputation=engine.book.routing.get(offer.owner),
        measured_units_per_s=offer.capacity_units_per_s,
        unit=resource.unit,
        device_class=resource.description if gpu else None,
        llm_model=resource.id if tokens else None,
        quantization=None if offer.llm is None else offer.llm.quantization,
    )


def offer_view(offer: Offer, engine: Engine) -> OfferView:
    u = engine.book.book(offer.resource).state.smoothed_u
    resource = engine.book.catalog.get(offer.resource)
    return OfferView(
        offer_id=offer.offer_id,
        owner=offer.owner,
        resource=offer.resource,
        strategy=offer.strategy,
        capacity_units_per_s=offer.capacity_units_per_s,
        min_job_units=offer.min_job_units,
        created_at=offer.created_at,
        last_heartbeat=offer.last_heartbeat,
        expires_at=offer.last_heartbeat + engine.config.heartbeat_ttl_s,
        price_wei=offer.strategy.price_wei_at(u),
        routing=offer_routing(offer, engine, resource),
        llm=offer.llm,
    )


def fill_view(fill: Fill, engine: Engine) -> FillView:
    terms = engine.terms(fill)
    batch = engine.batches.for_order(fill.order_id)
    return FillView(
        **dict(fill),
        terms=terms,
        job_id=terms.job_id_hex(),
        batch_id=None if batch is None else batch.batch_id,
    )


def order_view(order: BuyOrder, engine: Engine) -> OrderView:
    batch = engine.batches.for_order(order.order_id)
    return OrderView(
        order_id=order.order_id,
        owner=order.owner,
        resource=order.resource,
        kind=order.kind.value,
        units=order.units,
        filled_units=order.filled_units,
        remaining_units=order.remaining,
        max_price_wei=order.max_price_wei,
        spec=order.spec,
        all_or_none=order.all_or_none,
        status=order.status.value,
        created_at=order.created_at,
        fills=[fill_view(f, engine) for f in order.fills],
        batch_id=None if batch is None else batch.batch_id,
        exclude_providers=sorted(order.excluded),
        routing=order.routing,
    )
