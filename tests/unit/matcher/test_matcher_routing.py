"""Routing in the book: orders with a minimum reputation or a reliability preference are
filled by effective price from the logged reputations (SetRouting); plain orders stay
cheapest first; replaying the same commands ranks the same way."""

from __future__ import annotations

from matcher.book import BookConfig, OrderKind, ResourceCatalog
from matcher.engine.commands import PlaceOrder, RegisterOffer, SetRouting
from matcher.engine.engine import Engine
from matcher.routing import ProviderRouting, newcomer
from protocol.pricing import FixedPricing
from protocol.reputation import RoutingPreference

T0 = 1_800_000_000.0
CHEAP_FLAKY, SOLID, NEW = ("0x" + c * 40 for c in "abc")


def known(provider: str, fail: float, latency: float | None = None) -> ProviderRouting:
    return ProviderRouting(
        provider=provider,
        score=1 - fail,
        failure_probability=fail,
        provisional=False,
        reliability=1 - fail,
        uptime=1.0,
        latency=0.9,
        timeliness=0.9,
        jobs=20,
        completed=int(20 * (1 - fail)),
        failed=20 - int(20 * (1 - fail)),
        accept_latency_s=latency,
    )


def market() -> tuple[Engine, list[object]]:
    commands: list[object] = [
        RegisterOffer(
            offer_id=f"off-{owner[2:4]}",
            owner=owner,
            resource="h100",
            strategy=FixedPricing(price_wei=price),
            capacity_units_per_s=10.0,
            min_job_units=1,
        )
        for owner, price in ((CHEAP_FLAKY, 90), (SOLID, 100), (NEW, 85))
    ]
    commands.append(SetRouting(providers=(known(CHEAP_FLAKY, 0.4), known(SOLID, 0.02))))
    engine = Engine(ResourceCatalog(), BookConfig(horizon_s=100.0))
    for i, command in enumerate(commands):
        engine.apply(command, T0 + i)  # type: ignore[arg-type]
    return engine, commands


def order(order_id: str, routing: RoutingPreference | None) -> PlaceOrder:
    return PlaceOrder(
        order_id=order_id,
        owner="0x" + "dd" * 20,
        resource="h100",
        kind=OrderKind.MARKET,
        units=5,
        max_price_wei=200,
        spec="0x" + "00" * 32,
        all_or_none=True,
        routing=routing,
    )


def provider_of(engine: Engine, command: PlaceOrder, now: float = T0 + 10) -> str:
    applied = engine.apply(command, now)
    assert len(applied.fills) == 1
    return applied.fills[0].provider


def test_plain_orders_stay_cheapest_first() -> None:
    engine, _ = market()
    assert provider_of(engine, order("o1", None)) == NEW


def test_reliability_preference_ranks_by_effective_price() -> None:
    engine, _ = market()
    # flaky: 90 x (1 + 5 x 0.4/0.6) = 390; new (prior 0.5): 85 x 6 = 510; solid: ~110
    assert provider_of(engine, order("o1", RoutingPreference(reliability=0.5))) == SOLID
    assert provider_of(engine, order("o2", RoutingPreference(reliability=0.0))) == NEW


def test_minimum_reputation_and_newcomers_filter_offers() -> None:
    cases = [
        (RoutingPreference(min_reputation=0.55, reliability=0.0), CHEAP_FLAKY),  # not new (0.5)
        (RoutingPreference(min_reputation=0.65, reliability=0.0), SOLID),  # not flaky (0.6)
        (RoutingPreference(reliability=0.0, allow_provisional=False), CHEAP_FLAKY),
    ]
    for i, (preference, expected) in enumerate(cases):
        engine, _ = market()
        assert provider_of(engine, order(f"o{i}", preference)) == expected, preference


def test_unknown_providers_get_the_neutral_prior() -> None:
    engine, _ = market()
    assert engine.book.routing.get(NEW) == newcomer(NEW)
    assert engine.book.routing.get(SOLID.upper().replace("0X", "0x")).failure_probability == 0.02


def test_replaying_the_log_routes_the_same_way() -> None:
    live, commands = market()
    placed = order("o1", RoutingPreference(reliability=0.8))
    first = provider_of(live, placed)
    replay = Engine(ResourceCatalog(), BookConfig(horizon_s=100.0))
    for i, command in enumerate(commands):
        replay.apply(command, T0 + i)  # type: ignore[arg-type]
    assert provider_of(replay, placed) == first == SOLID
