"""Resting limit buys of one resource in price-time priority."""

from __future__ import annotations

from sortedcontainers import SortedKeyList  # type: ignore[import-untyped]

from matcher.book.order import BuyOrder


def _priority(order: BuyOrder) -> tuple[int, int]:
    return order.priority


class BidQueue:
    """O(log n) insert and remove, in-order access by index."""

    def __init__(self) -> None:
        self._orders = SortedKeyList(key=_priority)
        self.pending_units = 0

    def __len__(self) -> int:
        return len(self._orders)

    def add(self, order: BuyOrder) -> None:
        self._orders.add(order)
        self.pending_units += order.remaining

    def remove(self, order: BuyOrder) -> None:
        self._orders.remove(order)
        self.pending_units -= order.remaining

    def at(self, index: int) -> BuyOrder:
        order: BuyOrder = self._orders[index]
        return order

    def filled(self, units: int) -> None:
        """A resting order took `units`: they are no longer pending."""
        self.pending_units -= units
