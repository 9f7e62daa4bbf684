"""Per-key token buckets (pure; time is passed in)."""

from __future__ import annotations

import math

from matcher.errors import RateLimited


class RateLimiter:
    def __init__(self, rate_per_s: float, burst: float) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, now: float) -> None:
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate_per_s)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            # Whole seconds, rounded up (Retry-After has no fractions): never "retry in 0".
            wait = max(1, math.ceil((1.0 - tokens) / self.rate_per_s - 1e-9))
            raise RateLimited(
                f"{key} is over its limit of {self.rate_per_s:g} requests/s; retry in {wait} s",
                retry_after_s=wait,
            )
        self._buckets[key] = (tokens - 1.0, now)
        if len(self._buckets) > 100_000:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        full_after = self.burst / self.rate_per_s
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}
