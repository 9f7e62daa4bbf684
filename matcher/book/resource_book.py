"""The book of one resource: offers on one side, resting bids on the other."""

from __future__ import annotations

import numpy as np

from matcher.book.bid_queue import BidQueue
from matcher.book.config import BookConfig
from matcher.book.market_state import MarketState
from matcher.book.offer import Offer
from matcher.book.offer_table import OfferTable
from matcher.book.order import BuyOrder, OrderStatus
from matcher.routing.table import RoutingTable
from protocol.wire.matcher import Fill


class ResourceBook:
    def __init__(self, resource_id: str, config: BookConfig) -> None:
        self.resource_id = resource_id
        self.config = config
        self.offers = OfferTable()
        self.bids = BidQueue()
        self.state = MarketState(config)
        self.routing: RoutingTable | None = None  # set by the OrderBook

    # -- prices ------------------------------------------------------------------

    def best_price_wei(self, now: float) -> int | None:
        """The exact price a one-unit market buy would pay now, if anything is for sale."""
        u = self.state.smoothed_u
        prices = self.offers.prices(u)
        live = self.offers.live_mask(self.offers.available(now, self.config.horizon_s))
        if not live.any():
            return None
        slots = np.flatnonzero(live)
        cheapest = slots[np.lexsort((self.offers.seq[slots], prices[slots]))[:4]]
        # Float order may be off by a wei among near-equal prices: take the exact minimum.
        return min(self.offers.offer(int(s)).strategy.price_wei_at(u) for s in cheapest)

    def reprice(self, now: float) -> None:
        self.state.reprice(self.bids.pending_units, self.offers.supply_units_per_s, now)
        if self.state.wants_sample(now):
            price = self.best_price_wei(now)
            if price is not None:
                self.state.sample(price, now)

    # -- matching ------------------------------------------------------------------

    def fill(self, order: BuyOrder, now: float, out: list[Fill]) -> int:
        """Fill `order` from the cheapest offers at or below its limit; returns units."""
        u = self.state.smoothed_u
        prices = self.offers.prices(u)
        avail = self.offers.available(now, self.config.horizon_s)
        whole = order.remaining if order.all_or_none else None
        filled = 0
        slots = self.offers.candidates(prices, avail, order.max_price_wei, whole).tolist()
        if order.routing is not None and self.routing is not None:
            slots = self.routing.rank_slots(
                slots, self.offers.offer, lambda s: float(prices[s]), order.routing
            )
        for slot in slots:
            offer = self.offers.offer(slot)
            if order.excluded and offer.owner.lower() in order.excluded:
                continue
            price = offer.strategy.price_wei_at(u)
            if price > order.max_price_wei:
                continue
            take = min(order.remaining, int(avail[slot]))
            if take < offer.min_job_units or (order.all_or_none and take < order.remaining):
                continue
            out.append(self._trade(order, offer, take, price, now))
            filled += take
            if order.remaining == 0:
                break
        return filled

    def _trade(self, order: BuyOrder, offer: Offer, units: int, price: int, now: float) -> Fill:
        done_by = self.offers.take(offer.slot, units, now)
        fill = Fill(
            fill_id=f"{order.order_id}.{len(order.fills)}",
            order_id=order.order_id,
            offer_id=offer.offer_id,
            consumer=order.owner,
            provider=offer.owner,
            resource=self.resource_id,
            units=units,
            price_per_unit_wei=price,
            at=now,
            done_by=done_by,
        )
        order.fills.append(fill)
        order.filled_units += units
        self.state.bought(units, now)
        return fill

    def match_resting(self, now: float, out: list[Fill]) -> None:
        """Fill resting bids that the current offers cross, best bid first."""
        if len(self.bids) == 0 or self.offers.count == 0:
            return
        u = self.state.smoothed_u
        live = self.offers.live_mask(self.offers.available(now, self.config.horizon_s))
        if not live.any():
            return
        floor = float(self.offers.prices(u)[live].min())
        index = 0
        misses = 0
        while index < len(self.bids) and misses < self.config.resting_scan_limit:
            order = self.bids.at(index)
            if order.max_price_wei < floor * (1.0 - 1e-9):
                return  # every bid from here on bids lower still
            units = self.fill(order, now, out)
            self.bids.filled(units)
            if order.remaining == 0:
                order.status = OrderStatus.FILLED
                self.bids.remove(order)
                continue
            if units == 0:
                misses += 1
            index += 1
