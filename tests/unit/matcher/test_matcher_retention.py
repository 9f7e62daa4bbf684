"""Finished orders leave memory after the retention (issue 13: memory must not grow
with history), the same way whenever time is observed (so replays agree)."""

from __future__ import annotations

import pytest

from matcher.book import BookConfig, OrderKind, ResourceCatalog
from matcher.engine import Engine
from matcher.engine.commands import CancelOrder, Command, PlaceOrder, RegisterOffer
from matcher.errors import NotFound
from protocol.pricing import FixedPricing

T0 = 1_800_000_000.0
R = "h100"


def _order(order_id: str, kind: str, price: int, key: str | None = None) -> PlaceOrder:
    return PlaceOrder(
        order_id=order_id,
        owner="C",
        resource=R,
        kind=OrderKind(kind),
        units=1,
        max_price_wei=price,
        spec="0x" + "11" * 32,
        client_key=key,
    )


def _commands(n: int) -> list[tuple[float, Command]]:
    out: list[tuple[float, Command]] = [
        (
            T0,
            RegisterOffer(
                offer_id="off",
                owner="P",
                resource=R,
                strategy=FixedPricing(price_wei=100),
                capacity_units_per_s=1e6,
                min_job_units=1,
            ),
        )
    ]
    for i in range(n):
        out.append((T0 + i, _order(f"m{i}", "market", 150, key=f"k{i}")))
    out.append((T0 + n, _order("rest", "limit", 50)))
    out.append((T0 + n, _order("gone", "limit", 50)))
    out.append((T0 + n + 1, CancelOrder(order_id="gone", owner="C")))
    return out


def _engine(observe_every: float | None) -> Engine:
    config = BookConfig(order_retention_s=100.0, heartbeat_ttl_s=1e6)
    engine = Engine(ResourceCatalog(), config)
    last = T0
    for at, command in _commands(300):
        if observe_every is not None:  # time observed between commands (sweeps)
            t = last
            while t + observe_every < at:
                t += observe_every
                engine.advance(t)
        engine.advance(at)
        engine.apply(command, at)
        last = at
    engine.advance(T0 + 350)
    return engine


def test_finished_orders_and_their_fills_leave_memory_after_the_retention() -> None:
    engine = _engine(None)
    orders = {o.order_id for o in engine.book.orders()}
    assert {"rest", "gone"} <= orders  # cancelled 49 s ago: still kept
    assert 45 < len(orders) < 60  # 300 market buys, only the last 100 s of them kept
    with pytest.raises(NotFound):
        engine.book.order("m0")
    with pytest.raises(NotFound):
        engine.fill("m0.0")
    assert engine.order_for_key("C", "k0") is None
    assert engine.order_for_key("C", "k299") is not None
    assert {f.order_id for f in engine.fills_of("C")} <= orders
    assert len(engine.fills_of_offer("off")) == len(engine.fills_of("P")) < 60
    engine.advance(T0 + 1000)
    assert {o.order_id for o in engine.book.orders()} == {"rest"}  # resting orders stay
    assert engine.fills_of("C") == [] and engine.fills_of_offer("off") == []


def test_forgetting_does_not_depend_on_when_time_is_observed() -> None:
    a, b = _engine(None), _engine(0.7)
    assert {o.order_id for o in a.book.orders()} == {o.order_id for o in b.book.orders()}
    assert [f.fill_id for f in a.fills_of("P")] == [f.fill_id for f in b.fills_of("P")]
