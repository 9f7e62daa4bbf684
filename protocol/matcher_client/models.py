"""What the matcher answers, as the client reads it (extra fields are ignored, so a newer
matcher that adds fields does not break older clients)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from protocol.pricing import PricingStrategy
from protocol.reputation.routing import RoutingPreference
from protocol.typed_data import JobTerms

__all__ = [
    "ApiKeyInfo",
    "FillInfo",
    "MarketInfo",
    "OfferInfo",
    "OracleEndpoint",
    "OrderInfo",
    "terms_from_wire",
]


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


def terms_from_wire(wire: dict[str, Any]) -> JobTerms:
    """The matcher writes JobTerms with the Solidity field names (camelCase)."""
    return JobTerms(
        consumer=wire["consumer"],
        provider=wire["provider"],
        budget=int(wire["budget"]),
        price_per_unit=int(wire["pricePerUnit"]),
        accept_deadline=int(wire["acceptDeadline"]),
        deadline=int(wire["deadline"]),
        spec=wire["spec"],
        salt=int(wire["salt"]),
    )


class OfferInfo(_Answer):
    offer_id: str
    owner: str
    resource: str
    strategy: PricingStrategy
    capacity_units_per_s: float
    min_job_units: int
    last_heartbeat: float
    expires_at: float
    price_wei: int


class FillInfo(_Answer):
    """One trade; ``terms`` are what the consumer opens on chain."""

    fill_id: str
    order_id: str
    offer_id: str
    consumer: str
    provider: str
    resource: str
    units: int
    price_per_unit_wei: int
    cost_wei: int
    at: float
    done_by: float
    terms: JobTerms
    job_id: str
    batch_id: str | None = None

    @field_validator("terms", mode="before")
    @classmethod
    def _terms(cls, value: Any) -> Any:
        return terms_from_wire(value) if isinstance(value, dict) else value


class OrderInfo(_Answer):
    order_id: str
    owner: str
    resource: str
    kind: str
    units: int
    filled_units: int
    remaining_units: int
    max_price_wei: int
    spec: str
    all_or_none: bool
    status: str
    created_at: float
    fills: list[FillInfo]
    batch_id: str | None = None
    exclude_providers: list[str] = []
    routing: RoutingPreference | None = None


class MarketInfo(_Answer):
    resource: str
    unit: str
    price_wei: int | None
    supply_units_per_s: float
    demand_units_per_min: int
    utilization: float
    smoothed_utilization: float
    pending_requests: int
    pending_units: int
    available_nodes: int
    available_providers: int
    average_price_24h_wei: int | None
    volume_units: int


class OracleEndpoint(_Answer):
    """Where a committee member's oracle listens, as its wallet published it."""

    address: str
    url: str
    updated_at: float


class ApiKeyInfo(_Answer):
    key_id: str
    owner: str
    expires_at: int
    created_at: float
    revoked_at: float | None = None
