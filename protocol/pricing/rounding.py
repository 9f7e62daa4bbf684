"""Turning a curve's float price into integer wei."""

from protocol.pricing.limits import MAX_PRICE_PER_UNIT_WEI


def to_wei(price: float, floor_wei: int, ceiling_wei: int) -> int:
    """Round to the nearest wei, kept inside [floor, ceiling] and in (0, MAX]."""
    wei = round(price)
    wei = max(floor_wei, min(ceiling_wei, wei))
    return max(1, min(MAX_PRICE_PER_UNIT_WEI, wei))
