"""Each standing offer of a resource with its price now and how much of it is sold.

Pure: reads a ResourceBook at `now`. Utilization is the share of the offer's capacity
over the selling horizon that is already booked (1 - available / (capacity x horizon)).
"""

from __future__ import annotations

from matcher.book.resource_book import ResourceBook
from matcher.dashboard.models import OfferLoad


def offer_loads(book: ResourceBook, unit: str, now: float, *, horizon_s: float) -> list[OfferLoad]:
    """Cheapest first, then oldest."""
    offers = book.offers
    avail = offers.available(now, horizon_s)
    u = book.state.smoothed_u
    rows: list[tuple[int, int, OfferLoad]] = []
    for slot in offers.active[: avail.size].nonzero()[0].tolist():
        offer = offers.offer(slot)
        price = offer.strategy.price_wei_at(u)
        whole = offer.capacity_units_per_s * horizon_s
        free = max(0.0, float(avail[slot]))
        booked = 0.0 if free >= int(whole) else 1.0 - free / whole
        known = None if book.routing is None else book.routing.get(offer.owner)
        load = OfferLoad(
            offer_id=offer.offer_id,
            owner=offer.owner,
            resource=book.resource_id,
            unit=unit,
            price_wei=price,
            capacity_units_per_s=offer.capacity_units_per_s,
            available_units=int(free),
            utilization=min(1.0, max(0.0, booked)),
            last_heartbeat=offer.last_heartbeat,
            reputation=None if known is None else known.score,
            provisional=True if known is None else known.provisional,
        )
        rows.append((price, offer.seq, load))
    rows.sort(key=lambda row: (row[0], row[1]))
    return [load for _, _, load in rows]
