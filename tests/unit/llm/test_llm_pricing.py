"""LLM offers priced by the protocol's strategies over tokens (provider.llm.pricing)."""

from __future__ import annotations

from protocol.pricing import FixedPricing, UtilizationSigmoidPricing
from provider.llm.pricing import TokenMeter


def test_fixed_price_ignores_load() -> None:
    meter = TokenMeter(FixedPricing(price_wei=1000))
    assert meter.price_per_token(0.0) == 1000
    meter.record(1.0, tokens=10_000, completion_tokens=100, busy_s=1.0)
    assert meter.price_per_token(2.0) == 1000


def test_sigmoid_price_rises_with_demand_over_supply_and_falls_back() -> None:
    meter = TokenMeter(UtilizationSigmoidPricing(p_min_wei=100, p_max_wei=1000), tau_s=1.0)
    idle = meter.price_per_token(0.0)
    # 20 tokens/s supply; 6,000 tokens in a minute is 100 tokens/s demand: u = 5.
    for second in range(60):
        meter.record(float(second), tokens=100, completion_tokens=20, busy_s=1.0)
    assert meter.supply_per_s() == 20.0
    assert meter.demand_per_min(60.0) == 6_000
    busy = meter.price_per_token(60.0)
    assert idle < busy <= 1000
    # A quiet minute later the demand window is empty and the EMA decays back.
    quiet = [meter.price_per_token(200.0 + s) for s in range(0, 30, 5)]
    assert quiet[-1] < busy and quiet[-1] <= idle + 1
