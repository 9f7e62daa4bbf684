"""Dashboard views of the book: depth by price level and each offer's load (pure)."""

from __future__ import annotations

from matcher_book_driver import BookDriver, R

from matcher.dashboard.depth import book_depth
from matcher.dashboard.offer_load import offer_loads
from protocol.pricing import UtilizationSigmoidPricing

HORIZON = 100.0  # the `d` fixture's book sells 100 s ahead


def test_offers_group_by_price_cheapest_first_with_what_is_left_to_sell(d: BookDriver) -> None:
    d.offer(100, 1.0, owner="P1")
    d.offer(150, 1.0, owner="P3")
    d.offer(100, 2.0, owner="P2")
    d.buy(50, 100)  # taken from P1, the older offer at 100
    view = book_depth(d.book.book(R), "GPU-second", d.now, horizon_s=HORIZON, levels=10)
    assert [
        (a.price_wei, a.offers, a.capacity_units_per_s, a.available_units) for a in view.asks
    ] == [
        (100, 2, 3.0, 50 + 200),
        (150, 1, 1.0, 100),
    ]
    assert (view.ask_levels_total, view.live_offers, view.unit) == (2, 3, "GPU-second")


def test_resting_bids_group_by_limit_highest_first(d: BookDriver) -> None:
    d.limit(10, 90, owner="C1")
    d.limit(5, 80, owner="C2")
    d.limit(20, 90, owner="C3")
    view = book_depth(d.book.book(R), "GPU-second", d.now, horizon_s=HORIZON, levels=10)
    assert [(b.price_wei, b.orders, b.units) for b in view.bids] == [(90, 2, 30), (80, 1, 5)]
    assert (view.resting_orders, view.bid_levels_total, view.asks) == (3, 2, [])


def test_levels_cut_both_sides_but_totals_count_every_level(d: BookDriver) -> None:
    for price in (300, 100, 200):
        d.offer(price)
    for limit in (10, 30, 20):
        d.limit(1, limit)
    view = book_depth(d.book.book(R), "GPU-second", d.now, horizon_s=HORIZON, levels=2)
    assert [a.price_wei for a in view.asks] == [100, 200]
    assert [b.price_wei for b in view.bids] == [30, 20]
    assert (view.ask_levels_total, view.bid_levels_total) == (3, 3)


def test_an_offer_sold_out_within_the_horizon_is_not_on_offer(d: BookDriver) -> None:
    d.offer(100, 1.0, owner="P1", min_job=60)
    d.offer(120, 1.0, owner="P2")
    d.buy(60, 100)  # P1 keeps 40 units, below its 60-unit minimum job
    view = book_depth(d.book.book(R), "GPU-second", d.now, horizon_s=HORIZON, levels=10)
    assert [a.price_wei for a in view.asks] == [120]
    loads = offer_loads(d.book.book(R), "GPU-second", d.now, horizon_s=HORIZON)
    assert [(o.owner, o.available_units, o.utilization) for o in loads] == [
        ("P1", 40, 0.6),
        ("P2", 100, 0.0),
    ]


def test_dynamic_prices_are_the_exact_prices_at_the_current_utilization(d: BookDriver) -> None:
    curve = UtilizationSigmoidPricing(p_min_wei=1_000_003, p_max_wei=9_000_017)
    d.offer(0, 1.0, strategy=curve)
    d.limit(500, 1)  # demand raises utilization; the bid is too low to fill
    d.now += 5
    d.offer(10**9, 1.0)  # a change makes the book reprice at the new time
    book = d.book.book(R)
    u = book.state.smoothed_u
    assert u > 0
    view = book_depth(book, "GPU-second", d.now, horizon_s=HORIZON, levels=10)
    assert view.asks[0].price_wei == curve.price_wei_at(u)
    loads = offer_loads(book, "GPU-second", d.now, horizon_s=HORIZON)
    assert [o.price_wei for o in loads] == [curve.price_wei_at(u), 10**9]


def test_utilization_falls_as_booked_work_is_done(d: BookDriver) -> None:
    d.offer(100, 2.0, owner="P1")
    d.buy(100, 100)
    book = d.book.book(R)
    assert offer_loads(book, "u", d.now, horizon_s=HORIZON)[0].utilization == 0.5
    d.now += 25  # 50 of the 100 units worked off
    assert offer_loads(book, "u", d.now, horizon_s=HORIZON)[0].utilization == 0.25
    d.now += 100
    assert offer_loads(book, "u", d.now, horizon_s=HORIZON)[0].utilization == 0.0
