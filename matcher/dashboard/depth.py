"""Order book depth of one resource: live offers by price level, resting bids by limit.

Pure: reads a ResourceBook at `now`, changes nothing. Offer prices are the exact integer
prices a buyer would pay at the current smoothed utilization (the same the matching uses).
"""

from __future__ import annotations

import numpy as np

from matcher.book.resource_book import ResourceBook
from matcher.dashboard.models import BidLevel, BookDepth, PriceLevel

_SLACK = 1e-9


def _ask_levels(
    book: ResourceBook, now: float, horizon_s: float, levels: int
) -> tuple[list[PriceLevel], int, int]:
    """The cheapest `levels` levels, how many levels there are, and how many live offers."""
    offers = book.offers
    avail = offers.available(now, horizon_s)
    slots = np.flatnonzero(offers.live_mask(avail))
    if slots.size == 0:
        return [], 0, 0
    u = book.state.smoothed_u
    approx = offers.prices(u)[slots]
    distinct = np.unique(np.rint(approx))
    # Exact prices (a Python call per offer) only for offers near the shown levels; the
    # float prices may differ from the exact ones by a wei, hence the slack.
    cutoff = distinct[min(levels, distinct.size) - 1] * (1.0 + _SLACK) + 1.0
    by_price: dict[int, tuple[int, float, int]] = {}
    for slot in slots[approx <= cutoff].tolist():
        offer = offers.offer(slot)
        price = offer.strategy.price_wei_at(u)
        count, capacity, units = by_price.get(price, (0, 0.0, 0))
        by_price[price] = (
            count + 1,
            capacity + offer.capacity_units_per_s,
            units + int(avail[slot]),
        )
    shown = [
        PriceLevel(price_wei=p, offers=c, capacity_units_per_s=cap, available_units=a)
        for p, (c, cap, a) in sorted(by_price.items())[:levels]
    ]
    return shown, int(distinct.size), int(slots.size)


def _bid_levels(
    book: ResourceBook, levels_shown: int, scan_limit: int
) -> tuple[list[BidLevel], int]:
    """The highest `levels_shown` limits, and how many limits the first orders hold."""
    levels: list[list[int]] = []  # [limit price, orders, units]
    for index in range(min(len(book.bids), scan_limit)):
        order = book.bids.at(index)  # highest limit first
        if levels and levels[-1][0] == order.max_price_wei:
            levels[-1][1] += 1
            levels[-1][2] += order.remaining
        else:
            levels.append([order.max_price_wei, 1, order.remaining])
    shown = [BidLevel(price_wei=p, orders=n, units=u) for p, n, u in levels[:levels_shown]]
    return shown, len(levels)


def book_depth(
    book: ResourceBook,
    unit: str,
    now: float,
    *,
    horizon_s: float,
    levels: int,
    bid_scan_limit: int = 5000,
) -> BookDepth:
    """The best `levels` price levels on each side."""
    asks, ask_levels, live_offers = _ask_levels(book, now, horizon_s, levels)
    bids, bid_levels = _bid_levels(book, levels, bid_scan_limit)
    return BookDepth(
        resource=book.resource_id,
        unit=unit,
        asks=asks,
        bids=bids,
        ask_levels_total=ask_levels,
        bid_levels_total=bid_levels,
        live_offers=live_offers,
        resting_orders=len(book.bids),
    )
