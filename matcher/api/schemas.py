"""Request and response bodies of the market API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from matcher.book.fill import Fill
from matcher.book.offer import Offer
from matcher.book.order import BuyOrder
from matcher.book.order_book import MAX_CAPACITY_UNITS_PER_S, MAX_UNITS, MIN_CAPACITY_UNITS_PER_S
from matcher.book.resources import Resource
from matcher.engine.engine import Engine
from matcher.routing.table import ProviderRouting
from matcher.terms import AddressHex, Bytes32Hex, JobTerms
from protocol.pricing import MAX_PRICE_PER_UNIT_WEI, PricingStrategy
from protocol.reputation import UptimeSample
from protocol.reputation.routing import RoutingPreference
from protocol.wire.llm_offer import LLMListing
from protocol.wire_ints import WireUint

Wei = Annotated[WireUint, Field(gt=0, le=MAX_PRICE_PER_UNIT_WEI)]
Units = Annotated[int, Field(ge=1, le=MAX_UNITS)]
Capacity = Annotated[float, Field(ge=MIN_CAPACITY_UNITS_PER_S, le=MAX_CAPACITY_UNITS_PER_S)]
ResourceId = Annotated[str, Field(min_length=1, max_length=64, examples=["llama-3-70b"])]
ObjectId = Annotated[str, Field(min_length=1, max_length=64)]


class _Request(BaseModel):
    # Strict: `"units": true` or `"units": "5"` is refused, not coerced (uints that can
    # pass 2**53 accept decimal strings on purpose: WireUint).
    model_config = ConfigDict(extra="forbid", strict=True)


class _View(BaseModel):
    # Every field is always sent (null when unset): the schema marks them all required.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class RegisterOfferRequest(_Request):
    resource: ResourceId
    strategy: PricingStrategy
    capacity_units_per_s: Capacity
    min_job_units: Units = 1
    llm: LLMListing | None = Field(
        default=None,
        description="LLM offers: where the model is served and what the engine runs"
        " (a gateway finds providers by it)",
    )


class UpdateOfferRequest(_Request):
    strategy: PricingStrategy | None = None
    capacity_units_per_s: Capacity | None = None
    min_job_units: Units | None = None


class WithdrawOfferRequest(_Request):
    offer_id: ObjectId


class PlaceOrderRequest(_Request):
    resource: ResourceId
    kind: Literal["market", "limit"]
    units: Units
    max_price_wei: Wei
    spec: Bytes32Hex = Field(description="keccak256 of the canonical job-spec JSON")
    all_or_none: bool = False
    exclude_providers: list[AddressHex] = Field(
        default_factory=list,
        max_length=64,
        description="providers this order must not go to (block list, failed attempts)",
    )
    min_reputation: float | None = Field(
        default=None, ge=0, le=1, description="only offers whose provider scores at least this"
    )
    reliability: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="0 = cheapest first, 1 = most reliable first (rank by effective price);"
        " unset with min_reputation unset: cheapest first",
    )
    allow_provisional: bool = Field(
        default=True, description="whether providers with little history may fill it"
    )

    def routing(self) -> RoutingPreference | None:
        if self.min_reputation is None and self.reliability is None and self.allow_provisional:
            return None
        return RoutingPreference(
            min_reputation=self.min_reputation or 0.0,
            reliability=0.0 if self.reliability is None else self.reliability,
            allow_provisional=self.allow_provisional,
        )


class OfferRouting(_View):
    """Per-offer routing metadata: the provider's reputation and its parts (chain-derived,
    docs/reputation.md), measured accept latency, completed/failed counts, and hardware."""

    reputation: ProviderRouting
    measured_units_per_s: float = Field(description="throughput the provider benchmarked")
    unit: str
    device_class: str | None = Field(default=None, description="GPU class for GPU-time offers")
    llm_model: str | None = Field(default=None, description="model for token-priced offers")
    quantization: str | None = Field(
        default=None, description="what the LLM offer's engine runs (from its listing)"
    )

    @classmethod
    def of(cls, offer: Offer, engine: Engine, resource: Resource) -> OfferRouting:
        tokens = "token" in resource.unit
        gpu = resource.unit == "GPU-second"
        return cls(
            reputation=engine.book.routing.get(offer.owner),
            measured_units_per_s=offer.capacity_units_per_s,
            unit=resource.unit,
            device_class=resource.description if gpu else None,
            llm_model=resource.id if tokens else None,
            quantization=None if offer.llm is None else offer.llm.quantization,
        )


class OfferView(_View):
    offer_id: str
    owner: str
    resource: str
    strategy: PricingStrategy
    capacity_units_per_s: float
    min_job_units: int
    created_at: float
    last_heartbeat: float
    expires_at: float
    price_wei: WireUint = Field(description="its price at the current utilization")
    routing: OfferRouting | None = None
    llm: LLMListing | None = Field(default=None, description="LLM offers: where it is served")

    @classmethod
    def of(cls, offer: Offer, engine: Engine) -> OfferView:
        u = engine.book.book(offer.resource).state.smoothed_u
        resource = engine.book.catalog.get(offer.resource)
        return cls(
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
            routing=OfferRouting.of(offer, engine, resource),
            llm=offer.llm,
        )


class WithdrawnOffer(_View):
    offer_id: str
    withdrawn: bool = True


class FillView(_View):
    fill_id: str
    order_id: str
    offer_id: str
    consumer: str
    provider: str
    resource: str
    units: int
    price_per_unit_wei: WireUint
    cost_wei: WireUint
    at: float
    done_by: float
    terms: JobTerms = Field(description="the JobTerms to open on chain (docs/protocol-types.md)")
    job_id: str = Field(description="keccak256(abi.encode(terms))")
    batch_id: str | None = None

    @classmethod
    def of(cls, fill: Fill, engine: Engine) -> FillView:
        terms = engine.terms(fill)
        batch = engine.batches.for_order(fill.order_id)
        return cls(
            fill_id=fill.fill_id,
            order_id=fill.order_id,
            offer_id=fill.offer_id,
            consumer=fill.consumer,
            provider=fill.provider,
            resource=fill.resource,
            units=fill.units,
            price_per_unit_wei=fill.price_per_unit_wei,
            cost_wei=fill.cost_wei,
            at=fill.at,
            done_by=fill.done_by,
            terms=terms,
            job_id=terms.job_id(),
            batch_id=None if batch is None else batch.batch_id,
        )


class OrderView(_View):
    order_id: str
    owner: str
    resource: str
    kind: str
    units: int
    filled_units: int
    remaining_units: int
    max_price_wei: WireUint
    spec: str
    all_or_none: bool
    status: str
    created_at: float
    fills: list[FillView]
    batch_id: str | None = None
    exclude_providers: list[str] = Field(default_factory=list)
    routing: RoutingPreference | None = None

    @classmethod
    def of(cls, order: BuyOrder, engine: Engine) -> OrderView:
        batch = engine.batches.for_order(order.order_id)
        return cls(
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
            fills=[FillView.of(f, engine) for f in order.fills],
            batch_id=None if batch is None else batch.batch_id,
            exclude_providers=sorted(order.excluded),
            routing=order.routing,
        )


class MarketView(_View):
    resource: str
    unit: str
    price_wei: WireUint | None = Field(description="what a one-unit market buy pays now")
    supply_units_per_s: float
    demand_units_per_min: int
    utilization: float
    smoothed_utilization: float
    pending_requests: int
    pending_units: int
    available_nodes: int
    available_providers: int
    average_price_24h_wei: WireUint | None
    volume_units: int
    offers: list[OfferView] = Field(
        default_factory=list,
        description="the cheapest live offers (up to 20) with their routing metadata",
    )


class MarketList(_View):
    at: float
    markets: list[MarketView]


class HistoryPoint(_View):
    t: float = Field(description="bucket start, unix seconds")
    average_price_wei: WireUint
    min_price_wei: WireUint
    max_price_wei: WireUint
    samples: int


class MarketHistory(_View):
    resource: str
    bucket_s: int
    points: list[HistoryPoint]


class ResourceView(_View):
    id: str
    unit: str
    description: str


class ProviderUptime(_View):
    """A provider's heartbeat-observed availability: one sample per bucket (the uptime
    input of the reputation score, docs/reputation.md)."""

    provider: str
    at: float = Field(description="the matcher's time of this reading (unix seconds)")
    bucket_s: float
    window_s: float
    samples: list[UptimeSample] = Field(
        description="oldest first; the last is the current bucket, up to `at`"
    )
