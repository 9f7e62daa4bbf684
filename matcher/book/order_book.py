"""The order book of every resource: the pure core of the matcher.

No I/O and no wall clock: every operation takes `now`, so the same sequence of
operations at the same times always yields the same book (the store relies on it
to restore the book by replaying the log). Each operation validates everything
before it changes anything: a refused request leaves the book as it was.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from matcher.book.config import BookConfig
from matcher.book.offer import Offer, Strategy
from matcher.book.order import BuyOrder, OrderKind, OrderStatus
from matcher.book.resource_book import ResourceBook
from matcher.book.resources import ResourceCatalog
from matcher.errors import Conflict, InvalidField, NoOfferBelowMaxPrice, NotFound, NotOwner
from matcher.routing.table import RoutingTable
from protocol.pricing import MAX_PRICE_PER_UNIT_WEI
from protocol.reputation.routing import RoutingPreference
from protocol.wire.llm_offer import LLMListing
from protocol.wire.matcher import (
    MAX_CAPACITY_UNITS_PER_S,
    MAX_UNITS,
    MIN_CAPACITY_UNITS_PER_S,
    Fill,
    MarketStats,
)

# uint96 budget = units * pricePerUnit must fit (docs/protocol-types.md JobTerms).
MAX_BUDGET_WEI = 2**96 - 1


def _check_units(units: int, field: str) -> None:
    if not 0 < units <= MAX_UNITS:
        raise InvalidField(f"{field} must be between 1 and {MAX_UNITS}, got {units}", field=field)


def _check_price(price: int, field: str) -> None:
    if not 0 < price <= MAX_PRICE_PER_UNIT_WEI:
        raise InvalidField(
            f"{field} must be between 1 and {MAX_PRICE_PER_UNIT_WEI} wei, got {price}",
            field=field,
        )


def _check_capacity(capacity: float, min_job_units: int) -> None:
    if not MIN_CAPACITY_UNITS_PER_S <= capacity <= MAX_CAPACITY_UNITS_PER_S:
        raise InvalidField(
            f"capacity_units_per_s must be between {MIN_CAPACITY_UNITS_PER_S:g} and"
            f" {MAX_CAPACITY_UNITS_PER_S:g}, got {capacity}",
            field="capacity_units_per_s",
        )
    if not 0 < min_job_units <= MAX_UNITS:
        raise InvalidField(
            f"min_job_units must be between 1 and {MAX_UNITS}, got {min_job_units}",
            field="min_job_units",
        )


class OrderBook:
    def __init__(self, catalog: ResourceCatalog, config: BookConfig | None = None) -> None:
        self.catalog = catalog
        self.config = config or BookConfig()
        self._books = {r.id: ResourceBook(r.id, self.config) for r in catalog}
        self.routing = RoutingTable()
        for book in self._books.values():
            book.routing = self.routing
        self._offers: dict[str, Offer] = {}
        self._orders: dict[str, BuyOrder] = {}
        # (expires_at, offer_id); stale entries (offer gone or heartbeat renewed) are
        # skipped when popped.
        self._expiry: list[tuple[float, str]] = []
        self._seq = 0
        self._now = float("-inf")

    # -- lookups -------------------------------------------------------------------

    def book(self, resource_id: str) -> ResourceBook:
        self.catalog.get(resource_id)
        return self._books[resource_id]

    def offer(self, offer_id: str) -> Offer:
        try:
            return self._offers[offer_id]
        except KeyError:
            raise NotFound(f"no offer {offer_id!r}", field="offer_id") from None

    def order(self, order_id: str) -> BuyOrder:
        try:
            return self._orders[order_id]
        except KeyError:
            raise NotFound(f"no order {order_id!r}", field="order_id") from None

    def forget_order(self, order_id: str) -> BuyOrder | None:
        """Drop a finished order from memory (retention); resting orders stay."""
        order = self._orders.get(order_id)
        if order is None or order.status is OrderStatus.RESTING:
            return None
        del self._orders[order_id]
        return order

    def offers(self) -> list[Offer]:
        return list(self._offers.values())

    def orders(self) -> list[BuyOrder]:
        return list(self._orders.values())

    def _owned_offer(self, offer_id: str, owner: str) -> Offer:
        offer = self.offer(offer_id)
        if offer.owner != owner:
            raise NotOwner(f"offer {offer_id} belongs to {offer.owner}, not {owner}")
        return offer

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # -- time ----------------------------------------------------------------------

    def advance(self, now: float) -> tuple[bool, list[Fill]]:
        """Move the book to `now`: drop offers whose heartbeat is older than the TTL and
        purchases older than the demand window. Returns (changed, fills)."""
        if now < self._now:
            now = self._now  # never let a late caller move the book backwards
        self._now = now
        changed_books: set[str] = set()
        while self._expiry and self._expiry[0][0] <= now:
            _, offer_id = heapq.heappop(self._expiry)
            offer = self._offers.get(offer_id)
            if offer is not None and offer.last_heartbeat + self.config.heartbeat_ttl_s <= now:
                self._drop_offer(offer)
                changed_books.add(offer.resource)
        for resource_id, book in self._books.items():
            if book.state.expire(now):
                changed_books.add(resource_id)
        fills: list[Fill] = []
        for resource_id in sorted(changed_books):
            self._changed(self._books[resource_id], now, fills)
        return bool(changed_books), fills

    def _changed(self, book: ResourceBook, now: float, fills: list[Fill]) -> None:
        """Capacity or demand changed: re-price, then fill what now crosses."""
        book.reprice(now)
        book.match_resting(now, fills)

    # -- providers -------------------------------------------------------------------

    def add_offer(
        self,
        *,
        offer_id: str,
        owner: str,
        resource: str,
        strategy: Strategy,
        capacity_units_per_s: float,
        min_job_units: int,
        now: float,
        llm: LLMListing | None = None,
    ) -> list[Fill]:
        book = self.book(resource)
        _check_capacity(capacity_units_per_s, min_job_units)
        if llm is not None and "token" not in self.catalog.get(resource).unit:
            raise InvalidField(
                f"llm: {resource!r} is not priced per token; only LLM offers carry a listing",
                field="llm",
            )
        if offer_id in self._offers:
            raise Conflict(f"offer {offer_id} already exists", field="offer_id")
        _, fills = self.advance(now)
        offer = Offer(
            offer_id=offer_id,
            owner=owner,
            resource=resource,
            strategy=strategy,
            capacity_units_per_s=capacity_units_per_s,
            min_job_units=min_job_units,
            created_at=now,
            last_heartbeat=now,
            seq=self._next_seq(),
            llm=llm,
        )
        self._offers[offer_id] = offer
        book.offers.add(offer, now)
        heapq.heappush(self._expiry, (now + self.config.heartbeat_ttl_s, offer_id))
        self._changed(book, now, fills)
        return fills

    def heartbeat(self, offer_id: str, owner: str, now: float) -> list[Fill]:
        offer = self._owned_offer(offer_id, owner)
        _, fills = self.advance(now)
        if offer_id not in self._offers:
            raise NotFound(f"offer {offer_id} missed its heartbeat and left the book")
        offer.last_heartbeat = now
        heapq.heappush(self._expiry, (now + self.config.heartbeat_ttl_s, offer_id))
        return fills

    def update_offer(
        self,
        offer_id: str,
        owner: str,
        *,
        strategy: Strategy | None,
        capacity_units_per_s: float | None,
        min_job_units: int | None,
        now: float,
    ) -> list[Fill]:
        offer = self._owned_offer(offer_id, owner)
        capacity = (
            offer.capacity_units_per_s if capacity_units_per_s is None else capacity_units_per_s
        )
        min_job = offer.min_job_units if min_job_units is None else min_job_units
        _check_capacity(capacity, min_job)
        _, fills = self.advance(now)
        if offer_id not in self._offers:
            raise NotFound(f"offer {offer_id} missed its heartbeat and left the book")
        offer.strategy = strategy or offer.strategy
        offer.capacity_units_per_s = capacity
        offer.min_job_units = min_job
        offer.seq = self._next_seq()
        offer.last_heartbeat = now  # an update proves the provider is alive
        heapq.heappush(self._expiry, (now + self.config.heartbeat_ttl_s, offer_id))
        book = self._books[offer.resource]
        book.offers.update_terms(offer, now)
        self._changed(book, now, fills)
        return fills

    def withdraw_offer(self, offer_id: str, owner: str, now: float) -> list[Fill]:
        offer = self._owned_offer(offer_id, owner)
        _, fills = self.advance(now)
        if offer_id in self._offers:
            self._drop_offer(offer)
            self._changed(self._books[offer.resource], now, fills)
        return fills

    def _drop_offer(self, offer: Offer) -> None:
        del self._offers[offer.offer_id]
        self._books[offer.resource].offers.remove(offer)

    # -- consumers -------------------------------------------------------------------

    def place_order(
        self,
        *,
        order_id: str,
        owner: str,
        resource: str,
        kind: OrderKind,
        units: int,
        max_price_wei: int,
        spec: str,
        all_or_none: bool,
        now: float,
        exclude_providers: Iterable[str] = (),
        routing: RoutingPreference | None = None,
    ) -> tuple[BuyOrder, list[Fill]]:
        """Market: fill now from the best offers (what is left is dropped) or fail.
        Limit: fill what crosses now and rest the remainder."""
        book = self.book(resource)
        _check_units(units, "units")
        _check_price(max_price_wei, "max_price_wei")
        if units * max_price_wei > MAX_BUDGET_WEI:
            raise InvalidField(
                f"units * max_price_wei = {units * max_price_wei} exceeds the uint96 budget"
                f" limit {MAX_BUDGET_WEI}",
                field="units",
            )
        if order_id in self._orders:
            raise Conflict(f"order {order_id} already exists", field="order_id")
        _, fills = self.advance(now)
        order = BuyOrder(
            order_id=order_id,
            owner=owner,
            resource=resource,
            kind=kind,
            units=units,
            max_price_wei=max_price_wei,
            spec=spec,
            all_or_none=all_or_none,
            created_at=now,
            seq=self._next_seq(),
            excluded=frozenset(p.lower() for p in exclude_providers),
            routing=routing,
        )
        own: list[Fill] = []
        book.fill(order, now, own)
        if kind is OrderKind.MARKET:
            if not own:
                price = book.best_price_wei(now)
                best = "nothing is on offer" if price is None else f"the best offer is {price} wei"
                what = "all of" if all_or_none else "any of"
                raise NoOfferBelowMaxPrice(
                    f"no offer can fill {what} {units} units at or below max_price_wei"
                    f" {max_price_wei}: {best}",
                    field="max_price_wei",
                )
            order.status = (
                OrderStatus.FILLED if order.remaining == 0 else OrderStatus.PARTIALLY_FILLED
            )
        elif order.remaining == 0:
            order.status = OrderStatus.FILLED
        else:
            book.bids.add(order)
        self._orders[order_id] = order
        self._changed(book, now, fills)
        return order, own + fills

    def cancel_order(self, order_id: str, owner: str, now: float) -> tuple[BuyOrder, list[Fill]]:
        order = self.order(order_id)
        if order.owner != owner:
            raise NotOwner(f"order {order_id} belongs to {order.owner}, not {owner}")
        if order.status is not OrderStatus.RESTING:
            raise Conflict(f"order {order_id} is {order.status.value}; only resting orders cancel")
        _, fills = self.advance(now)
        if order.status is not OrderStatus.RESTING:  # filled while time moved
            raise Conflict(f"order {order_id} is {order.status.value}; only resting orders cancel")
        book = self._books[order.resource]
        book.bids.remove(order)
        order.status = OrderStatus.CANCELLED
        self._changed(book, now, fills)
        return order, fills

    # -- market data -------------------------------------------------------------------

    def stats(self, resource_id: str, now: float) -> MarketStats:
        book = self.book(resource_id)
        live = book.offers.live_mask(book.offers.available(now, self.config.horizon_s))
        providers = {book.offers.offer(int(s)).owner for s in live.nonzero()[0]}
        pending = book.bids.pending_units
        return MarketStats(
            resource=resource_id,
            price_wei=book.best_price_wei(now),
            supply_units_per_s=book.offers.supply_units_per_s,
            demand_units_per_min=book.state.demand_units_per_min(pending),
            utilization=book.state.instant_u,
            smoothed_utilization=book.state.smoothed_u,
            pending_requests=len(book.bids),
            pending_units=pending,
            available_nodes=int(live.sum()),
            available_providers=len(providers),
            average_price_24h_wei=book.state.average_price_wei(),
            volume_units=book.state.volume_units,
        )
