"""Pricing strategies: the formulas of design.md section 5, their bounds and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from protocol.pricing import (
    MAX_PRICE_PER_UNIT_WEI,
    CostBasedPricing,
    FixedPricing,
    PricingStrategy,
    UtilizationSigmoidPricing,
    sigmoid,
    utilization,
)
from protocol.pricing.curve import evaluate_many

strategy_adapter: TypeAdapter[PricingStrategy] = TypeAdapter(PricingStrategy)
u_values = st.floats(min_value=0.0, max_value=10.0, allow_nan=False)


def test_fixed_price_is_exact_even_beyond_float_precision() -> None:
    price = 10**18 + 1  # not representable as a float64
    assert FixedPricing(price_wei=price).price_wei_at(7.5) == price


def test_sigmoid_matches_the_design_formula() -> None:
    s = UtilizationSigmoidPricing(p_min_wei=1_000, p_max_wei=3_000)
    for u in (0.0, 0.5, 1.0, 1.7, 4.0):
        expected = 1_000 + 2_000 / (1 + math.exp(-3 * (u - 1)))
        assert s.price_wei_at(u) == round(expected)
    assert s.price_wei_at(1.0) == 2_000  # the midpoint at full utilization


@given(u_values, u_values)
def test_sigmoid_is_monotone_and_bounded(a: float, b: float) -> None:
    s = UtilizationSigmoidPricing(p_min_wei=50, p_max_wei=500)
    lo, hi = sorted((a, b))
    assert 50 <= s.price_wei_at(lo) <= s.price_wei_at(hi) <= 500


def test_cost_based_scales_energy_plus_margin_with_utilization() -> None:
    c = CostBasedPricing(energy_cost_wei=800, margin_wei=200, sensitivity=0.5)
    assert c.price_wei_at(1.0) == 1_000  # factor 1 at full utilization
    assert c.price_wei_at(2.0) == 1_500  # 1 + 0.5 * (2 - 1)
    assert c.price_wei_at(0.0) == 500  # 1 + 0.5 * (0 - 1) = 0.5, the default floor
    assert c.price_wei_at(10.0) == 2_000  # clamped at factor_max = 2


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"kind": "fixed", "price_wei": 0}, "greater than 0"),
        ({"kind": "fixed", "price_wei": MAX_PRICE_PER_UNIT_WEI + 1}, "less than or equal"),
        ({"kind": "utilization_sigmoid", "p_min_wei": 9, "p_max_wei": 3}, "must not exceed"),
        ({"kind": "cost_based", "energy_cost_wei": 0, "margin_wei": 0}, "must be > 0"),
        (
            {"kind": "cost_based", "energy_cost_wei": 1, "margin_wei": 1, "factor_min": 3},
            "factor_min",
        ),
        ({"kind": "auction"}, "does not match any of the expected tags"),
    ],
)
def test_bad_parameters_are_refused_by_name(payload: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        strategy_adapter.validate_python(payload)


def test_utilization_is_demand_per_second_over_supply() -> None:
    assert utilization(600.0, 5.0) == pytest.approx(2.0)  # (600 / 60) / 5
    assert utilization(0.0, 0.0) == 0.0
    assert utilization(1.0, 0.0) == 10.0  # capped: no supply at all
    with pytest.raises(ValueError, match="must be >= 0"):
        utilization(-1.0, 1.0)


def test_sigmoid_has_steepness_three() -> None:
    assert sigmoid(1.0) == pytest.approx(1 / (1 + math.exp(-3)))


@given(
    st.lists(
        st.tuples(
            st.integers(1, 10**20), st.integers(0, 10**20), st.floats(0, 5), st.floats(0.1, 1.0)
        ),
        min_size=1,
        max_size=20,
    ),
    u_values,
)
def test_vector_evaluation_equals_the_scalar_one(
    rows: list[tuple[int, int, float, float]], u: float
) -> None:
    strategies = [
        CostBasedPricing(
            energy_cost_wei=a, margin_wei=b, sensitivity=s, factor_min=fmin, factor_max=2.0
        )
        for a, b, s, fmin in rows
    ] + [UtilizationSigmoidPricing(p_min_wei=a, p_max_wei=a + b) for a, b, _, _ in rows]
    curves = [s.curve() for s in strategies]
    cols = [
        np.array([getattr(c, name) for c in curves])
        for name in ("base", "sigmoid_span", "cost", "sensitivity", "factor_min", "factor_max")
    ]
    vector = evaluate_many(*cols, u)
    scalar = np.array([c.evaluate(u) for c in curves])
    assert np.allclose(vector, scalar, rtol=1e-12, atol=0)
