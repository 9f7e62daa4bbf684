"""What an LLM offer costs now: any protocol pricing strategy (fixed, cost based,
utilization sigmoid) over tokens. Demand is the tokens served in the last minute,
supply the measured generation speed (tokens per busy second), u = (demand / 60) /
supply, smoothed by the protocol's EMA. Pure: times are passed in."""

from __future__ import annotations

import threading
from collections import deque

from protocol.pricing import PricingStrategy, UtilizationEma, utilization

__all__ = ["TokenMeter"]

WINDOW_S = 60.0


class TokenMeter:
    def __init__(self, strategy: PricingStrategy, tau_s: float = 30.0) -> None:
        self.strategy = strategy
        self._served: deque[tuple[float, int]] = deque()
        self._busy_s = 0.0
        self._generated = 0
        self._ema = UtilizationEma(tau_s=tau_s)
        self._lock = threading.Lock()

    def record(self, now: float, tokens: int, completion_tokens: int, busy_s: float) -> None:
        """One finished answer: ``tokens`` billed, ``completion_tokens`` generated in
        ``busy_s`` seconds."""
        with self._lock:
            self._served.append((now, tokens))
            self._generated += completion_tokens
            self._busy_s += max(busy_s, 0.0)

    def demand_per_min(self, now: float) -> float:
        with self._lock:
            while self._served and self._served[0][0] < now - WINDOW_S:
                self._served.popleft()
            return float(sum(t for _, t in self._served))

    def supply_per_s(self) -> float:
        with self._lock:
            return self._generated / self._busy_s if self._busy_s > 0 else 0.0

    def utilization(self, now: float) -> float:
        demand = self.demand_per_min(now)
        supply = self.supply_per_s()
        return self._ema.update(utilization(demand, supply), now)

    def price_per_token(self, now: float) -> int:
        return max(int(self.strategy.price_wei_at(self.utilization(now))), 1)
