"""Integers on the wire: ASCII decimal only, and big ones as JSON strings.

`str.isdigit()` accepts superscripts ("²") and other scripts' digits ("١٢٣") that
`int()` then refuses or reads as numbers; every header, query and metadata value
that carries an integer is parsed here instead.

JavaScript's `JSON.parse` rounds integers above 2**53, so every uint that can exceed
it travels as a decimal string (`WireUint`), and both forms are accepted on input.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

__all__ = [
    "JS_SAFE_MAX",
    "WireUint",
    "is_ascii_decimal",
    "js_safe",
    "parse_ascii_uint",
    "uint_from_wire",
]

JS_SAFE_MAX = 2**53 - 1
_MAX_DIGITS = 78  # uint256


def is_ascii_decimal(text: str) -> bool:
    """True for '0'..'9' only (no sign, no space, no other script's digits)."""
    return bool(text) and text.isascii() and text.isdecimal()


def parse_ascii_uint(text: str, *, bits: int = 256) -> int | None:
    """The value of an ASCII decimal below 2**bits, or None."""
    if not is_ascii_decimal(text) or len(text) > _MAX_DIGITS:
        return None
    value = int(text)
    return value if value < 2**bits else None


def uint_from_wire(value: Any) -> Any:
    """Before validation: an ASCII decimal string becomes an int; a bool stays a bool
    (so a strict int field refuses it); anything else is left for the field to judge."""
    if isinstance(value, str):
        parsed = parse_ascii_uint(value)
        if parsed is None:
            raise ValueError("must be an unsigned integer in ASCII decimal (a string or a number)")
        return parsed
    return value


WireUint = Annotated[
    int,
    BeforeValidator(uint_from_wire),
    Field(ge=0, strict=True),
    PlainSerializer(str, return_type=str, when_used="json"),
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9]{1,78}$", "description": "uint as a decimal string"},
        mode="serialization",
    ),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": "^[0-9]{1,78}$"},
            ],
            "description": "uint as a number or a decimal string",
        },
        mode="validation",
    ),
]


def js_safe(value: Any) -> Any:
    """A JSON-ready value with every integer beyond 2**53 - 1 as a decimal string."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) > JS_SAFE_MAX else value
    if isinstance(value, dict):
        return {k: js_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [js_safe(v) for v in value]
    return value
