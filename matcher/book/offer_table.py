"""The offers of one resource as parallel numpy arrays.

Dynamic prices move with utilization on every change, so a price-sorted tree would
have to be rebuilt all the time. Instead every offer's price curve lives in array
slots and one vectorised evaluation (C loops, microseconds for thousands of offers)
prices them all at the current utilization; only the eligible ones are then sorted.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from matcher.book.offer import Offer
from protocol.pricing.curve import evaluate_many

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# Vector prices are floats; the exact integer price of each candidate is checked
# afterwards, so the pre-selection may only be generous, never strict.
_PRICE_SLACK = 1e-9


class OfferTable:
    def __init__(self, initial_slots: int = 64) -> None:
        self._size = 0  # slots in use or freed: arrays are valid up to here
        self._free: list[int] = []
        self._offers: list[Offer | None] = []
        n = initial_slots
        self.base = np.zeros(n)
        self.span = np.zeros(n)
        self.cost = np.zeros(n)
        self.sensitivity = np.zeros(n)
        self.factor_min = np.ones(n)
        self.factor_max = np.ones(n)
        self.capacity = np.zeros(n)
        self.min_job = np.zeros(n)
        self.backlog = np.zeros(n)
        self.backlog_t = np.zeros(n)
        self.seq = np.zeros(n, dtype=np.int64)
        self.active = np.zeros(n, dtype=np.bool_)
        self.count = 0

    # -- slots -------------------------------------------------------------------

    def _grow(self) -> None:
        n = len(self.base) * 2
        for name in (
            "base",
            "span",
            "cost",
            "sensitivity",
            "factor_min",
            "factor_max",
            "capacity",
            "min_job",
            "backlog",
            "backlog_t",
            "seq",
            "active",
        ):
            old = getattr(self, name)
            new = np.zeros(n, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def add(self, offer: Offer, now: float) -> None:
        if self._free:
            slot = self._free.pop()
        else:
            if self._size == len(self.base):
                self._grow()
            slot = self._size
            self._size += 1
            self._offers.append(None)
        offer.slot = slot
        self._offers[slot] = offer
        self.backlog[slot] = 0.0
        self.backlog_t[slot] = now
        self.active[slot] = True
        self.count += 1
        self._write_terms(offer)

    def remove(self, offer: Offer) -> None:
        slot = offer.slot
        self.active[slot] = False
        self._offers[slot] = None
        self._free.append(slot)
        self.count -= 1
        offer.slot = -1

    def update_terms(self, offer: Offer, now: float) -> None:
        """Price curve, capacity or min job changed: keep what the offer already owes."""
        slot = offer.slot
        self.backlog[slot] = self._backlog_now(slot, now)
        self.backlog_t[slot] = now
        self._write_terms(offer)

    def _write_terms(self, offer: Offer) -> None:
        slot = offer.slot
        curve = offer.strategy.curve()
        self.base[slot] = curve.base
        self.span[slot] = curve.sigmoid_span
        self.cost[slot] = curve.cost
        self.sensitivity[slot] = curve.sensitivity
        self.factor_min[slot] = curve.factor_min
        self.factor_max[slot] = curve.factor_max
        self.capacity[slot] = offer.capacity_units_per_s
        self.min_job[slot] = offer.min_job_units
        self.seq[slot] = offer.seq

    def offer(self, slot: int) -> Offer:
        offer = self._offers[slot]
        if offer is None:
            raise LookupError(f"offer slot {slot} is empty")
        return offer

    # -- capacity ----------------------------------------------------------------

    @property
    def supply_units_per_s(self) -> float:
        """Total capacity of the live offers, summed afresh: a running float sum drifts
        (1e-6 + 1e12 + 0.1 - 1e12 - 0.1 < 0) and a negative supply wedged the book."""
        n = self._size
        if self.count == 0:
            return 0.0
        return float(self.capacity[:n][self.active[:n]].sum())

    def _backlog_now(self, slot: int, now: float) -> float:
        worked = float(self.capacity[slot]) * max(0.0, now - float(self.backlog_t[slot]))
        return max(0.0, float(self.backlog[slot]) - worked)

    def take(self, slot: int, units: int, now: float) -> float:
        """Book `units` of work on an offer; returns when its backlog is worked off."""
        backlog = self._backlog_now(slot, now) + units
        self.backlog[slot] = backlog
        self.backlog_t[slot] = now
        return now + backlog / float(self.capacity[slot])

    # -- vector views --------------------------------------------------------------

    def prices(self, u: float) -> FloatArray:
        n = self._size
        return evaluate_many(
            self.base[:n],
            self.span[:n],
            self.cost[:n],
            self.sensitivity[:n],
            self.factor_min[:n],
            self.factor_max[:n],
            u,
        )

    def available(self, now: float, horizon_s: float) -> FloatArray:
        """Whole units each offer can still take within the horizon."""
        n = self._size
        cap = self.capacity[:n]
        worked = cap * np.maximum(0.0, now - self.backlog_t[:n])
        owed = np.maximum(0.0, self.backlog[:n] - worked)
        avail: FloatArray = np.floor(cap * horizon_s - owed)
        return avail

    def live_mask(self, avail: FloatArray) -> BoolArray:
        """Offers that can take at least one job of their minimum size."""
        n = self._size
        mask: BoolArray = self.active[:n] & (avail >= np.maximum(1.0, self.min_job[:n]))
        return mask

    def candidates(
        self,
        prices: FloatArray,
        avail: FloatArray,
        max_price_wei: int,
        whole_units: int | None,
    ) -> IntArray:
        """Slots that may fill a bid at `max_price_wei`, cheapest first, then oldest.

        `whole_units` set means all-or-none: only offers that can take it all.
        """
        mask = self.live_mask(avail) & (prices <= float(max_price_wei) * (1.0 + _PRICE_SLACK))
        if whole_units is not None:
            n = self._size
            mask &= (avail >= whole_units) & (self.min_job[:n] <= whole_units)
        slots = np.flatnonzero(mask)
        if slots.size > 1:
            slots = slots[np.lexsort((self.seq[slots], prices[slots]))]
        result: IntArray = slots.astype(np.int64, copy=False)
        return result
