"""A fresh book with a 100 s capacity horizon for each test."""

from __future__ import annotations

import pytest
from matcher_book_driver import BookDriver

from matcher.book import BookConfig


@pytest.fixture
def d() -> BookDriver:
    return BookDriver(BookConfig(horizon_s=100.0))
