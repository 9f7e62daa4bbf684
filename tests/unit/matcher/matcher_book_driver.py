"""A book at a fixed time, and shorthands for offers and orders (unit tests)."""

from __future__ import annotations

import itertools
from typing import Any

from matcher.book import BookConfig, OrderBook, OrderKind, ResourceCatalog
from matcher.book.order import BuyOrder
from protocol.pricing import FixedPricing
from protocol.wire.matcher import Fill

T0 = 1_800_000_000.0
R = "h100"


class BookDriver:
    """Tiny helpers so the tests read as market stories."""

    def __init__(self, config: BookConfig | None = None) -> None:
        self.book = OrderBook(ResourceCatalog(), config or BookConfig())
        self.now = T0
        self._ids = itertools.count(1)

    def offer(
        self,
        price: int,
        capacity: float = 1.0,
        *,
        owner: str = "P",
        min_job: int = 1,
        strategy: Any = None,
        resource: str = R,
    ) -> tuple[str, list[Fill]]:
        offer_id = f"off{next(self._ids)}"
        fills = self.book.add_offer(
            offer_id=offer_id,
            owner=owner,
            resource=resource,
            strategy=strategy or FixedPricing(price_wei=price),
            capacity_units_per_s=capacity,
            min_job_units=min_job,
            now=self.now,
        )
        return offer_id, fills

    def buy(
        self,
        units: int,
        max_price: int,
        *,
        kind: OrderKind = OrderKind.MARKET,
        owner: str = "C",
        aon: bool = False,
        resource: str = R,
    ) -> tuple[BuyOrder, list[Fill]]:
        return self.book.place_order(
            order_id=f"ord{next(self._ids)}",
            owner=owner,
            resource=resource,
            kind=kind,
            units=units,
            max_price_wei=max_price,
            spec="0x" + "00" * 32,
            all_or_none=aon,
            now=self.now,
        )

    def limit(self, units: int, max_price: int, **kw: Any) -> tuple[BuyOrder, list[Fill]]:
        return self.buy(units, max_price, kind=OrderKind.LIMIT, **kw)
