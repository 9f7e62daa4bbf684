"""Market and limit buys against limit sells: price-time priority, partial fills."""

from __future__ import annotations

import pytest
from matcher_book_driver import BookDriver

from matcher.book import OrderKind, OrderStatus
from matcher.errors import Conflict, InvalidField, NoOfferBelowMaxPrice, NotOwner


def test_market_buy_takes_cheapest_first_then_oldest_at_equal_price(d: BookDriver) -> None:
    late_cheap, _ = d.offer(90)
    older, _ = d.offer(100, owner="A")
    newer, _ = d.offer(100, owner="B")
    order, fills = d.buy(250, max_price=100)
    assert [(f.offer_id, f.units, f.price_per_unit_wei) for f in fills] == [
        (late_cheap, 100, 90),  # capacity 1 unit/s x horizon 100 s
        (older, 100, 100),
        (newer, 50, 100),
    ]
    assert order.status is OrderStatus.FILLED and order.remaining == 0


def test_market_buy_never_pays_above_its_max_price(d: BookDriver) -> None:
    d.offer(90)
    d.offer(120)
    order, fills = d.buy(150, max_price=100)
    assert [f.price_per_unit_wei for f in fills] == [90]
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.filled_units == 100


def test_market_buy_fails_clearly_and_changes_nothing_when_all_is_above(d: BookDriver) -> None:
    d.offer(120)
    before = d.book.stats("h100", d.now)
    with pytest.raises(NoOfferBelowMaxPrice, match="best offer is 120 wei") as err:
        d.buy(10, max_price=100)
    assert err.value.field == "max_price_wei"
    assert d.book.stats("h100", d.now) == before
    assert d.book.orders() == []


def test_market_buy_on_an_empty_book_says_nothing_is_on_offer(d: BookDriver) -> None:
    with pytest.raises(NoOfferBelowMaxPrice, match="nothing is on offer"):
        d.buy(1, max_price=100)


def test_limit_buy_rests_then_fills_partially_then_fully_as_offers_appear(d: BookDriver) -> None:
    d.offer(150)
    order, fills = d.limit(150, max_price=100)
    assert fills == [] and order.status is OrderStatus.RESTING
    small, fills = d.offer(100, capacity=0.5)  # 50 units within the horizon
    assert [(f.order_id, f.offer_id, f.units) for f in fills] == [(order.order_id, small, 50)]
    assert order.status is OrderStatus.RESTING and order.remaining == 100
    big, fills = d.offer(80, capacity=5.0)
    assert [(f.offer_id, f.units, f.price_per_unit_wei) for f in fills] == [(big, 100, 80)]
    assert order.status is OrderStatus.FILLED


def test_resting_bids_fill_highest_limit_first_then_earliest(d: BookDriver) -> None:
    low, _ = d.limit(10, max_price=90)
    first, _ = d.limit(10, max_price=100)
    second, _ = d.limit(10, max_price=100)
    _, fills = d.offer(85, capacity=0.2)  # 20 units: two of the three bids
    assert [f.order_id for f in fills] == [first.order_id, second.order_id]
    assert low.status is OrderStatus.RESTING


def test_min_job_size_skips_an_offer_for_small_remainders(d: BookDriver) -> None:
    big_only, _ = d.offer(50, min_job=20)
    any_size, _ = d.offer(60)
    _, fills = d.buy(10, max_price=100)
    assert [f.offer_id for f in fills] == [any_size]
    _, fills = d.buy(30, max_price=100)
    assert [f.offer_id for f in fills] == [big_only]


def test_all_or_none_needs_one_offer_with_room_for_everything(d: BookDriver) -> None:
    d.offer(50, capacity=0.5)  # 50 units
    order, fills = d.limit(80, max_price=100, aon=True)
    assert fills == [] and order.status is OrderStatus.RESTING
    roomy, fills = d.offer(70, capacity=1.0)
    assert [(f.offer_id, f.units) for f in fills] == [(roomy, 80)]


def test_capacity_taken_is_worked_off_over_time(d: BookDriver) -> None:
    d.offer(100, capacity=1.0)
    d.buy(100, max_price=100)
    with pytest.raises(NoOfferBelowMaxPrice):
        d.buy(1, max_price=100)
    d.now += 30  # 30 units of backlog done
    _, fills = d.buy(50, max_price=100)
    assert [f.units for f in fills] == [30]
    assert fills[0].done_by == pytest.approx(d.now + 100)


def test_cancel_needs_the_owner_and_a_resting_order(d: BookDriver) -> None:
    order, _ = d.limit(10, max_price=50)
    with pytest.raises(NotOwner):
        d.book.cancel_order(order.order_id, "mallory", d.now)
    d.book.cancel_order(order.order_id, "C", d.now)
    assert order.status is OrderStatus.CANCELLED
    _, fills = d.offer(10)
    assert fills == []
    with pytest.raises(Conflict, match="only resting orders cancel"):
        d.book.cancel_order(order.order_id, "C", d.now)


@pytest.mark.parametrize(
    ("units", "price", "field"),
    [
        (0, 100, "units"),
        (10, 0, "max_price_wei"),
        (10, 10**30, "max_price_wei"),
        (2**70, 10**9, "units"),
    ],
)
def test_bad_orders_are_refused_by_field_and_change_nothing(
    d: BookDriver, units: int, price: int, field: str
) -> None:
    d.offer(100)
    before = d.book.stats("h100", d.now)
    with pytest.raises(InvalidField) as err:
        d.limit(units, max_price=price)
    assert err.value.field == field
    assert d.book.stats("h100", d.now) == before


def test_zero_capacity_is_refused(d: BookDriver) -> None:
    with pytest.raises(InvalidField) as err:
        d.offer(100, capacity=0.0)
    assert err.value.field == "capacity_units_per_s"
    assert d.book.offers() == []


def test_only_the_owner_changes_or_withdraws_an_offer(d: BookDriver) -> None:
    offer_id, _ = d.offer(100, owner="P")
    with pytest.raises(NotOwner):
        d.book.withdraw_offer(offer_id, "mallory", d.now)
    with pytest.raises(NotOwner):
        d.book.update_offer(
            offer_id,
            "mallory",
            strategy=None,
            capacity_units_per_s=9.0,
            min_job_units=None,
            now=d.now,
        )
    assert d.book.offer(offer_id).capacity_units_per_s == 1.0
    d.book.withdraw_offer(offer_id, "P", d.now)
    assert d.book.offers() == []


def test_an_unknown_resource_names_the_case_sensitive_match() -> None:
    import pytest

    from matcher.book.resources import ResourceCatalog
    from matcher.errors import UnknownResource

    catalog = ResourceCatalog()
    known = next(iter(catalog)).id
    with pytest.raises(UnknownResource, match=f"case-sensitive: did you mean '{known}'"):
        catalog.get(known.upper())


def test_order_skips_excluded_providers_and_takes_the_next_best(d: BookDriver) -> None:
    d.offer(90, owner="0xAAaa")
    next_best, _ = d.offer(100, owner="0xBB")
    order, fills = d.book.place_order(
        order_id="ord-ex",
        owner="C",
        resource="h100",
        kind=OrderKind.MARKET,
        units=10,
        max_price_wei=100,
        spec="0x" + "00" * 32,
        all_or_none=True,
        now=d.now,
        exclude_providers=["0xaaAA"],  # any case
    )
    assert [(f.offer_id, f.price_per_unit_wei) for f in fills] == [(next_best, 100)]
    assert order.excluded == frozenset({"0xaaaa"})
