"""Integers on the wire: ASCII decimal only; big ones as strings (issue 13, defects 3, 6)."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError

from protocol.pricing import FixedPricing
from protocol.wire_ints import JS_SAFE_MAX, WireUint, is_ascii_decimal, js_safe, parse_ascii_uint


@pytest.mark.parametrize(
    "text", ["²", "¹²³", "\u0661\u0662", "\uff11", "1 ", "-1", "+1", "", "1e3"]
)
def test_only_ascii_decimal_is_a_number(text: str) -> None:
    assert not is_ascii_decimal(text)
    assert parse_ascii_uint(text) is None


def test_parse_ascii_uint_bounds() -> None:
    assert parse_ascii_uint("0") == 0
    assert parse_ascii_uint(str(2**64 - 1), bits=64) == 2**64 - 1
    assert parse_ascii_uint(str(2**64), bits=64) is None
    assert parse_ascii_uint("9" * 79) is None


class _M(BaseModel):
    x: WireUint


def test_wire_uint_accepts_both_forms_and_writes_a_string() -> None:
    assert _M(x=2**200).x == _M.model_validate_json(json.dumps({"x": str(2**200)})).x == 2**200
    assert _M(x=5).model_dump_json() == '{"x":"5"}'
    assert _M(x=5).model_dump() == {"x": 5}


@pytest.mark.parametrize("bad", [True, False, 1.0, "1.0", "²", -1, None, [1]])
def test_wire_uint_refuses_what_is_not_a_uint(bad: object) -> None:
    with pytest.raises(ValidationError):
        _M(x=bad)


def test_js_safe_turns_only_big_integers_into_strings() -> None:
    value = {"a": JS_SAFE_MAX, "b": JS_SAFE_MAX + 1, "c": [True, -(2**60)], "d": "x", "e": 1.5}
    assert js_safe(value) == {
        "a": JS_SAFE_MAX,
        "b": str(JS_SAFE_MAX + 1),
        "c": [True, str(-(2**60))],
        "d": "x",
        "e": 1.5,
    }


def test_pricing_strategies_write_prices_as_strings_and_read_both() -> None:
    strategy = FixedPricing(price_wei=10**18)
    wire = strategy.model_dump(mode="json")
    assert wire == {"kind": "fixed", "price_wei": str(10**18)}
    assert FixedPricing.model_validate(wire) == FixedPricing.model_validate(
        {"kind": "fixed", "price_wei": 10**18}
    )
