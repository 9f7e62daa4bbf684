"""A buy order: market (fill now or fail) or limit (rest until the price is right)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from protocol.reputation.routing import RoutingPreference
from protocol.wire.matcher import Fill


class OrderKind(StrEnum):
    MARKET = "market"
    LIMIT = "limit"


class OrderStatus(StrEnum):
    RESTING = "resting"
    FILLED = "filled"
    # A market order that took what was there and dropped the rest.
    PARTIALLY_FILLED = "partially_filled"
    CANCELLED = "cancelled"


@dataclass(slots=True)
class BuyOrder:
    order_id: str
    owner: str
    resource: str
    kind: OrderKind
    units: int
    max_price_wei: int
    spec: str
    all_or_none: bool
    created_at: float
    seq: int
    filled_units: int = 0
    status: OrderStatus = OrderStatus.RESTING
    fills: list[Fill] = field(default_factory=list)
    # Provider addresses (lower case) the consumer will not buy from: its block list and
    # the providers that failed earlier attempts of the same work (failover).
    excluded: frozenset[str] = frozenset()
    # Minimum reputation and price/reliability preference; None: cheapest first.
    routing: RoutingPreference | None = None

    @property
    def remaining(self) -> int:
        return self.units - self.filled_units

    @property
    def priority(self) -> tuple[int, int]:
        """Price-time priority for bids: highest limit first, then earliest."""
        return (-self.max_price_wei, self.seq)
