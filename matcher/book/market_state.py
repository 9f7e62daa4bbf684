"""Demand, smoothed utilization and price history of one resource."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from matcher.book.config import BookConfig
from protocol.pricing import UtilizationEma, utilization


@dataclass(frozen=True, slots=True)
class PriceSample:
    at: float
    price_wei: int


@dataclass(slots=True)
class MarketState:
    config: BookConfig
    ema: UtilizationEma = field(init=False)
    instant_u: float = 0.0
    # Units bought in the trailing demand window (pending bids are counted apart).
    window: deque[tuple[float, int]] = field(default_factory=deque)
    window_units: int = 0
    samples: deque[PriceSample] = field(default_factory=deque)
    samples_sum: int = 0
    volume_units: int = 0

    def __post_init__(self) -> None:
        self.ema = UtilizationEma(tau_s=self.config.ema_tau_s)

    @property
    def smoothed_u(self) -> float:
        return self.ema.value if self.ema.value is not None else 0.0

    def bought(self, units: int, now: float) -> None:
        self.window.append((now, units))
        self.window_units += units
        self.volume_units += units

    def demand_units_per_min(self, pending_units: int) -> int:
        return pending_units + self.window_units

    def reprice(self, pending_units: int, supply_units_per_s: float, now: float) -> None:
        """Demand or capacity changed: fold the new utilization into the EMA."""
        self.instant_u = utilization(
            float(self.demand_units_per_min(pending_units)), supply_units_per_s
        )
        self.ema.update(self.instant_u, now)

    def expire(self, now: float) -> bool:
        """Drop purchases older than the demand window and samples older than the
        history; True when demand changed."""
        changed = False
        horizon = now - self.config.demand_window_s
        while self.window and self.window[0][0] <= horizon:
            _, units = self.window.popleft()
            self.window_units -= units
            changed = True
        oldest = now - self.config.history_s
        while self.samples and self.samples[0].at <= oldest:
            self.samples_sum -= self.samples.popleft().price_wei
        return changed

    def wants_sample(self, now: float) -> bool:
        return not self.samples or now - self.samples[-1].at >= self.config.sample_interval_s

    def sample(self, price_wei: int, now: float) -> None:
        self.samples.append(PriceSample(now, price_wei))
        self.samples_sum += price_wei

    def average_price_wei(self) -> int | None:
        if not self.samples:
            return None
        return self.samples_sum // len(self.samples)
