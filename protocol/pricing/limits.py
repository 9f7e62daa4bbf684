"""Bounds shared by every strategy."""

from typing import Final

# 1,000,000 GPUC per unit: anything above is a typo, not a price. It stays far below
# uint96 (JobTerms.pricePerUnit) so budget = units * price never overflows silently.
MAX_PRICE_PER_UNIT_WEI: Final[int] = 10**24
