"""Decimal <-> wei and the credit sale's arithmetic."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.amounts import credits_for_reserve, format_units, parse_units, reserve_for_credits
from protocol.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "wei"),
    [("1", 10**18), ("0.5", 5 * 10**17), ("12.345", 12_345 * 10**15), ("0.000000000000000001", 1)],
)
def test_parse_units(text: str, wei: int) -> None:
    assert parse_units(text) == wei


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("0", "greater than zero"),
        ("-1", "greater than zero"),
        ("abc", "not a number"),
        ("0.0000000000000000001", "more than 18 decimal places"),
        ("1e3", "exponent notation"),
        ("1E-18", "exponent notation"),
        ("inf", "not a finite number"),
        ("NaN", "not a finite number"),
    ],
)
def test_parse_units_refuses(text: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        parse_units(text, what="budget")


@given(st.integers(min_value=1, max_value=10**30))
def test_format_then_parse_is_identity(wei: int) -> None:
    assert parse_units(format_units(wei)) == wei
    whole, _, fraction = format_units(wei).partition(".")
    assert int(whole) == wei // 10**18
    assert fraction == f"{wei % 10**18:018d}".rstrip("0")


@given(
    credits=st.integers(min_value=1, max_value=10**27),
    rate=st.integers(min_value=1, max_value=10**21),
    spread=st.integers(min_value=0, max_value=1_000),
)
def test_reserve_for_credits_is_the_least_that_buys_them(
    credits: int, rate: int, spread: int
) -> None:
    reserve = reserve_for_credits(credits, rate, spread)
    assert credits_for_reserve(reserve, rate, spread) >= credits
    assert reserve == 1 or credits_for_reserve(reserve - 1, rate, spread) < credits
