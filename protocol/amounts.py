"""GPUC and ETH amounts: decimal <-> wei, and the credit sale's arithmetic (pure)."""

from __future__ import annotations

import re
from decimal import Context, Decimal, InvalidOperation

from protocol.errors import InvalidInput

__all__ = [
    "BPS",
    "CREDIT_UNIT",
    "credits_for_reserve",
    "format_units",
    "parse_units",
    "reserve_for_credits",
]

CREDIT_UNIT = 10**18  # GPUC and ETH both have 18 decimals
BPS = 10_000
# Exact for any uint256 amount (78 digits) at 18 decimals; the default 28 digits rounds.
_EXACT = Context(prec=120)


_EXPONENT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+")


def parse_units(text: str | Decimal | int, *, what: str = "amount", decimals: int = 18) -> int:
    """'1.5' -> 1.5 x 10^decimals wei. Refuses negatives, zero, and dust below one wei."""
    if isinstance(text, str) and _EXPONENT.fullmatch(text.strip()):
        raise InvalidInput(
            f"{what} {text!r} uses exponent notation: write the number out (1000, not 1e3)"
        )
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InvalidInput(f"{what} {text!r} is not a number: write it like 12.5") from None
    if not value.is_finite():
        raise InvalidInput(f"{what} {text!r} is not a finite number")
    if value <= 0:
        raise InvalidInput(f"{what} must be greater than zero, got {text}")
    wei = value.scaleb(decimals, context=_EXACT)
    if wei != wei.to_integral_value():
        raise InvalidInput(f"{what} {text} has more than {decimals} decimal places")
    return int(wei)


def format_units(wei: int, decimals: int = 18) -> str:
    """1500000000000000000 -> '1.5' (exact, no trailing zeros)."""
    text = format(Decimal(wei).scaleb(-decimals, context=_EXACT), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _mul_div(a: int, b: int, c: int) -> int:
    return a * b // c


def credits_for_reserve(reserve_in: int, reserve_per_credit: int, spread_bps: int) -> int:
    """Credits CreditSale.quoteBuy mints for ``reserve_in`` (both round down)."""
    spread = _mul_div(reserve_in, spread_bps, BPS)
    return _mul_div(reserve_in - spread, CREDIT_UNIT, reserve_per_credit)


def reserve_for_credits(credits: int, reserve_per_credit: int, spread_bps: int) -> int:
    """The least reserve that buys at least ``credits`` (spread included)."""
    if credits <= 0:
        raise InvalidInput(f"credits must be greater than zero, got {credits}")
    net = -(-credits * reserve_per_credit // CREDIT_UNIT)
    guess = -(-net * BPS // (BPS - spread_bps))
    while credits_for_reserve(guess, reserve_per_credit, spread_bps) < credits:
        guess += 1
    while guess > 1 and credits_for_reserve(guess - 1, reserve_per_credit, spread_bps) >= credits:
        guess -= 1
    return guess
