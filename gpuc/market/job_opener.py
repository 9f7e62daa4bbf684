"""The consumer's side of a match: open each matched job on chain with the consumer's wallet.

The matcher hands out job terms; only the consumer can lock the budget (the escrow wants
msg.sender == terms.consumer), so a helper that holds the consumer's key watches its
fills and opens them with an ERC-2612 permit (one transaction each). Fills of orders it
placed come from those orders; fills it did not place (OpenAI batches, made with an API
key) are found by scanning the offers' fills for this consumer.

Before money moves each fill is checked: it names this consumer, its budget is its units
times its price, the price is within the order's limit (when the order is known), its
accept deadline is still ahead, and the total stays under an optional spending cap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from protocol.errors import ProtocolError
from protocol.matcher_client import FillInfo, MatcherClient, MatcherClientError
from protocol.roles import Consumer
from protocol.typed_data import JobStatus, JobTerms, job_id

__all__ = ["JobOpener", "OpenedFill"]

_ACCEPT_MARGIN_S = 2  # do not open a job the provider can hardly accept any more


@dataclass(frozen=True, slots=True)
class OpenedFill:
    fill: FillInfo
    job_id: bytes
    opened_at: float  # unix seconds when the open transaction was mined
    gas_used: int


class JobOpener:
    def __init__(
        self,
        consumer: Consumer,
        matcher: MatcherClient,
        *,
        spending_cap_wei: int | None = None,
        scan_offers: bool = True,
        on_event: Callable[[str, dict[str, object]], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.consumer = consumer
        self.matcher = matcher
        self.spending_cap_wei = spending_cap_wei
        self.scan_offers = scan_offers
        self.on_event = on_event or (lambda name, fields: None)
        self.clock = clock
        self.spent_wei = 0
        self.opened: dict[str, OpenedFill] = {}  # fill id -> what was opened
        self.refused: dict[str, str] = {}  # fill id -> why it was not opened
        self._orders: dict[str, int] = {}  # order id -> its limit price, while it can fill
        self._limits: dict[str, int] = {}  # order id -> its limit price
        self._known_offers: set[str] = set()
        self._done_orders: set[str] = set()
        self._lock = threading.Lock()

    def track_order(self, order_id: str, max_price_wei: int) -> None:
        """An order this consumer placed: its fills are checked against its limit."""
        with self._lock:
            self._orders[order_id] = max_price_wei
            self._limits[order_id] = max_price_wei

    def _fills(self) -> list[FillInfo]:
        with self._lock:
            orders = list(self._orders)
        found: dict[str, FillInfo] = {}
        for order_id in orders:
            order = self.matcher.order(order_id)
            for fill in order.fills:
                found[fill.fill_id] = fill
            if order.status != "resting":  # no more fills will come: this poll handles the last
                self._done_orders.add(order_id)
        if self.scan_offers:
            me = self.consumer.address.lower()
            self._known_offers.update(o.offer_id for o in self.matcher.offers())
            for offer_id in sorted(self._known_offers):
                for fill in self.matcher.offer_fills(offer_id):
                    if fill.consumer.lower() == me:
                        found.setdefault(fill.fill_id, fill)
        return [
            f
            for f in found.values()
            if f.fill_id not in self.opened and f.fill_id not in self.refused
        ]

    def poll(self) -> list[OpenedFill]:
        """Open every new fill that passes the checks; what was opened now."""
        opened = []
        fills = self._fills()
        for fill in fills:
            problem = self._problem(fill)
            if problem is not None:
                self.refused[fill.fill_id] = problem
                self.on_event("fill_refused", {"fill": fill.fill_id, "why": problem})
                continue
            try:
                result = self.consumer.open_job(fill.terms)
            except ProtocolError as exc:
                self.refused[fill.fill_id] = str(exc)
                self.on_event("open_failed", {"fill": fill.fill_id, "why": str(exc)})
                continue
            record = OpenedFill(
                fill=fill, job_id=result.job_id, opened_at=self.clock(), gas_used=result.tx.gas_used
            )
            self.opened[fill.fill_id] = record
            self.spent_wei += fill.terms.budget
            opened.append(record)
            self.on_event(
                "job_opened",
                {"fill": fill.fill_id, "job": "0x" + result.job_id.hex(), "budget": fill.cost_wei},
            )
        with self._lock:
            for order_id in self._done_orders:
                self._orders.pop(order_id, None)
            self._done_orders.clear()
        return opened

    def _problem(self, fill: FillInfo) -> str | None:
        terms: JobTerms = fill.terms
        if terms.consumer != self.consumer.address:
            return f"the terms name consumer {terms.consumer}, not {self.consumer.address}"
        if terms.budget != fill.units * fill.price_per_unit_wei or terms.budget != fill.cost_wei:
            return "the budget is not units x price"
        if terms.price_per_unit != fill.price_per_unit_wei:
            return "the terms' price is not the fill's price"
        limit = self._limits.get(fill.order_id)
        if limit is not None and fill.price_per_unit_wei > limit:
            return f"price {fill.price_per_unit_wei} is above the order's limit {limit}"
        if terms.accept_deadline <= self.consumer.protocol.now() + _ACCEPT_MARGIN_S:
            return "the accept deadline has passed"
        cap = self.spending_cap_wei
        if cap is not None and self.spent_wei + terms.budget > cap:
            return f"opening it would spend more than the cap of {cap} wei"
        if self.consumer.protocol.job(job_id(terms)).status != JobStatus.NONE:
            return "a job with these terms is open already"
        return None

    def run(self, stop: threading.Event, interval: float = 0.5) -> None:
        """Poll until ``stop``; the matcher or chain being briefly away is reported, not fatal."""
        while not stop.is_set():
            try:
                self.poll()
            except (MatcherClientError, ProtocolError) as exc:
                self.on_event("opener_poll_failed", {"why": str(exc)})
            stop.wait(interval)
