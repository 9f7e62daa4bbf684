"""Heartbeat expiry on an injected clock, dynamic re-pricing, and determinism."""

from __future__ import annotations

import contextlib

import pytest
from matcher_book_driver import T0, BookDriver

from matcher.book import BookConfig, OrderStatus
from matcher.book.resources import ResourceCatalog
from matcher.engine import Engine
from matcher.engine.commands import CancelOrder, PlaceOrder, RegisterOffer, Sweep
from matcher.errors import MatcherError, NotFound
from protocol.pricing import FixedPricing, UtilizationSigmoidPricing


def test_offer_without_heartbeat_for_60_s_leaves_the_book(d: BookDriver) -> None:
    offer_id, _ = d.offer(100)
    d.now = T0 + 59.9
    assert d.book.advance(d.now)[0] is False
    d.book.heartbeat(offer_id, "P", d.now)
    d.now = T0 + 119.8
    d.book.advance(d.now)
    assert d.book.offer(offer_id).offer_id == offer_id  # the heartbeat renewed it
    d.now = T0 + 59.9 + 60
    changed, _ = d.book.advance(d.now)
    assert changed
    with pytest.raises(NotFound):
        d.book.offer(offer_id)
    assert d.book.stats("h100", d.now).supply_units_per_s == 0.0


def test_sigmoid_offer_gets_dearer_as_demand_builds_and_cheaper_as_it_fades() -> None:
    d = BookDriver(BookConfig(horizon_s=100.0, ema_tau_s=10.0))
    sig = UtilizationSigmoidPricing(p_min_wei=100, p_max_wei=1_000)
    d.offer(0, capacity=1.0, strategy=sig)
    idle = d.book.stats("h100", d.now).price_wei
    assert idle == sig.price_wei_at(0.0)
    bids = [d.limit(60, max_price=50)[0] for _ in range(5)]  # 300 units/min on 1 unit/s
    for _ in range(10):
        d.now += 5
        d.book.advance(d.now)
        d.limit(1, max_price=1)  # any change re-prices
    busy = d.book.stats("h100", d.now)
    assert busy.utilization == pytest.approx((300 + 10) / 60 / 1.0)
    assert busy.price_wei is not None and idle is not None and busy.price_wei > 800
    # A patient bid at 500 wei rests while the market is busy...
    patient, fills = d.limit(10, max_price=500)
    assert fills == [] and patient.status is OrderStatus.RESTING
    # ...and fills by itself once demand is withdrawn and the smoothed price falls.
    filled_at = None
    for bid in bids:
        d.book.cancel_order(bid.order_id, "C", d.now)
    for step in range(40):
        d.now += 2
        d.book.advance(d.now)
        d.book.heartbeat("off1", "P", d.now)
        d.limit(1, max_price=1)
        if patient.status is OrderStatus.FILLED:
            filled_at = step
            break
    assert filled_at is not None
    assert patient.fills[0].price_per_unit_wei <= 500


def test_history_samples_and_the_24h_average() -> None:
    d = BookDriver(BookConfig(horizon_s=1e6, sample_interval_s=10.0))
    d.offer(100)
    d.now += 10
    d.offer(80)
    stats = d.book.stats("h100", d.now)
    assert stats.price_wei == 80
    assert stats.average_price_24h_wei == 90
    d.now += 86_400 + 11
    d.book.advance(d.now)
    assert d.book.stats("h100", d.now).average_price_24h_wei is None  # all samples aged out


def _commands() -> list[tuple[float, object]]:
    sig = UtilizationSigmoidPricing(p_min_wei=100, p_max_wei=900)
    cmds: list[tuple[float, object]] = []
    t = T0
    for i in range(6):
        cmds.append(
            (
                t,
                RegisterOffer(
                    offer_id=f"o{i}",
                    owner=f"P{i}",
                    resource="h100",
                    strategy=sig if i % 2 else FixedPricing(price_wei=300 + 10 * i),
                    capacity_units_per_s=0.5 + i,
                    min_job_units=1,
                ),
            )
        )
        t += 7
    for i in range(30):
        kind = "market" if i % 3 == 0 else "limit"
        cmds.append(
            (
                t,
                PlaceOrder(
                    order_id=f"b{i}",
                    owner="C",
                    resource="h100",
                    kind=kind,
                    units=500 + 37 * i,
                    max_price_wei=250 + 13 * i,
                    spec="0x" + "11" * 32,
                ),
            )
        )
        t += 3.5
        if i % 7 == 6:
            cmds.append((t, CancelOrder(order_id=f"b{i - 1}", owner="C")))
    cmds.append((t + 75, Sweep()))
    return cmds


def _run(commands: list[tuple[float, object]]) -> Engine:
    engine = Engine(ResourceCatalog())
    for at, command in commands:
        engine.advance(at)
        with contextlib.suppress(MatcherError):  # refused commands are part of the story
            engine.apply(command, at)  # type: ignore[arg-type]
    return engine


def test_the_same_commands_at_the_same_times_give_the_same_book() -> None:
    a, b = _run(_commands()), _run(_commands())
    assert [(o.order_id, o.status, o.filled_units) for o in a.book.orders()] == [
        (o.order_id, o.status, o.filled_units) for o in b.book.orders()
    ]
    assert a.book.stats("h100", T0 + 1000) == b.book.stats("h100", T0 + 1000)
    assert any(o.filled_units for o in a.book.orders())  # the story did trade
