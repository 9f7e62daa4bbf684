"""The order book: pure, in-memory, driven by an injected clock (no I/O)."""

from matcher.book.clock import Clock, ManualClock, SystemClock
from matcher.book.config import BookConfig
from matcher.book.offer import Offer, Strategy
from matcher.book.order import BuyOrder, OrderKind, OrderStatus
from matcher.book.order_book import OrderBook
from matcher.book.resources import DEFAULT_RESOURCES, Resource, ResourceCatalog
from protocol.wire.matcher import Fill

__all__ = [
    "DEFAULT_RESOURCES",
    "BookConfig",
    "BuyOrder",
    "Clock",
    "Fill",
    "ManualClock",
    "Offer",
    "OrderBook",
    "OrderKind",
    "OrderStatus",
    "Resource",
    "ResourceCatalog",
    "Strategy",
    "SystemClock",
]
