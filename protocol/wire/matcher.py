"""Request and response bodies of the matcher's market API.

The matcher's routes (matcher.api) answer with these classes and protocol.matcher_client
reads its answers into the same classes. Responses ignore fields they do not know (a
newer matcher that adds fields does not break older clients); requests are strict.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from protocol.pricing import MAX_PRICE_PER_UNIT_WEI, PricingStrategy
from protocol.reputation import Reputation, UptimeSample
from protocol.reputation.routing import RoutingPreference
from protocol.typed_data import JobTerms
from protocol.wire.fields import AddressHex, Bytes32Hex
from protocol.wire.llm_offer import LLMListing
from protocol.wire_ints import JS_SAFE_MAX, WireUint

__all__ = [
    "MAX_CAPACITY_UNITS_PER_S",
    "MAX_UNITS",
    "MIN_CAPACITY_UNITS_PER_S",
    "ApiKeyView",
    "Fill",
    "FillView",
    "HistoryPoint",
    "MarketHistory",
    "MarketList",
    "MarketStats",
    "MarketView",
    "OfferRouting",
    "OfferView",
    "OracleEndpointView",
    "OracleEndpoints",
    "OrderView",
    "PlaceOrderRequest",
    "ProviderRouting",
    "ProviderUptime",
    "RegisterOfferRequest",
    "ResourceView",
    "UpdateOfferRequest",
    "WithdrawOfferRequest",
    "WithdrawnOffer",
]

# Whole units as JSON numbers: at most 2**53 - 1, which JavaScript reads exactly.
MAX_UNITS = JS_SAFE_MAX
MAX_CAPACITY_UNITS_PER_S = 1e12
# Below this an offer's backlog / capacity overflows the job deadline (uint40 seconds).
MIN_CAPACITY_UNITS_PER_S = 1e-6

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
    # Readers ignore fields they do not know.
    model_config = ConfigDict(
        frozen=True, extra="ignore", json_schema_serialization_defaults_required=True
    )


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


class ProviderRouting(BaseModel):
    """What routing knows about one provider address (lower case)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(min_length=1, max_length=66)  # the offers' owner, lower case
    score: float = Field(ge=0, le=1)
    failure_probability: float = Field(ge=0, le=1)
    provisional: bool
    reliability: float = Field(ge=0, le=1)
    uptime: float = Field(ge=0, le=1)
    latency: float = Field(ge=0, le=1)
    timeliness: float = Field(ge=0, le=1)
    jobs: int = Field(ge=0)
    completed: int = Field(ge=0)
    failed: int = Field(ge=0)
    accept_latency_s: float | None = Field(default=None, ge=0)  # mean measured on chain

    @classmethod
    def of(cls, reputation: Reputation, accept_latency_s: float | None) -> ProviderRouting:
        parts = reputation.parts
        return cls(
            provider=reputation.provider.lower(),
            score=reputation.score,
            failure_probability=reputation.failure_probability,
            provisional=reputation.provisional,
            reliability=parts.reliability,
            uptime=parts.uptime,
            latency=parts.latency,
            timeliness=parts.timeliness,
            jobs=reputation.jobs,
            completed=reputation.completed,
            failed=reputation.failed,
            accept_latency_s=accept_latency_s,
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


class WithdrawnOffer(_View):
    offer_id: str
    withdrawn: bool = True


class Fill(_View):
    """One trade between a buy order and an offer, as the order book records it."""

    fill_id: str
    order_id: str
    offer_id: str
    consumer: str
    provider: str
    resource: str
    units: int
    price_per_unit_wei: WireUint
    at: float
    # When the provider's backlog, this job included, is worked off at its capacity.
    done_by: float

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_wei(self) -> WireUint:
        return self.units * self.price_per_unit_wei


class FillView(Fill):
    """One trade as the API shows it; ``terms`` are what the consumer opens on chain."""

    terms: JobTerms = Field(description="the JobTerms to open on chain (docs/protocol-types.md)")
    job_id: str = Field(description="keccak256(abi.encode(terms))")
    batch_id: str | None = None


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


class MarketStats(_View):
    """A resource's market as the order book computes it."""

    resource: str
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


class MarketView(MarketStats):
    """The market API's view of a resource: its stats, unit and cheapest offers."""

    unit: str
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


class ApiKeyView(_View):
    key_id: str
    owner: str
    expires_at: int
    created_at: float
    revoked_at: float | None = None


class OracleEndpointView(_View):
    """Where a committee member's oracle listens, as its wallet published it."""

    address: str
    url: str
    updated_at: float


class OracleEndpoints(_View):
    oracles: list[OracleEndpointView]
