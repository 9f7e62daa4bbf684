"""The EMA that smooths utilization is time-weighted."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.pricing import UtilizationEma


def test_first_sample_is_taken_as_is_and_same_instant_does_not_move_it() -> None:
    ema = UtilizationEma(tau_s=30)
    assert ema.update(0.8, now=100.0) == 0.8
    assert ema.update(5.0, now=100.0) == 0.8


def test_one_time_constant_closes_1_minus_1_over_e_of_the_gap() -> None:
    ema = UtilizationEma(tau_s=30)
    ema.update(0.0, now=0.0)
    assert ema.update(1.0, now=30.0) == pytest.approx(1 - math.exp(-1))


@given(st.floats(0.1, 100), st.floats(0, 10), st.floats(0, 10))
def test_sampling_twice_as_often_gives_the_same_average(dt: float, a: float, b: float) -> None:
    once = UtilizationEma(tau_s=30)
    once.update(a, 0.0)
    twice = UtilizationEma(tau_s=30)
    twice.update(a, 0.0)
    twice.update(b, dt / 2)
    twice.update(b, dt)
    assert once.update(b, dt) == pytest.approx(twice.value)


def test_tau_must_be_positive() -> None:
    with pytest.raises(ValueError, match="tau_s must be > 0"):
        UtilizationEma(tau_s=0)
