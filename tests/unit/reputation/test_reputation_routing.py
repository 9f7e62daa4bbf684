"""The routing rule: effective price, eligibility (minimum reputation, newcomers, block
list) and ties by accept latency."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.reputation import Candidate, RoutingPreference, effective_price, rank

A, B, C = ("0x" + c * 40 for c in "abc")


def cand(key: str, provider: str, price: int, fail: float, **kw: object) -> Candidate:
    defaults: dict[str, object] = {"score": 1 - fail, "provisional": False}
    defaults.update(kw)
    return Candidate(key, provider, price, failure_probability=fail, **defaults)  # type: ignore[arg-type]


def test_price_only_preference_ranks_by_price() -> None:
    offers = [cand("1", A, 100, 0.5), cand("2", B, 90, 0.9), cand("3", C, 120, 0.0)]
    ranked = rank(offers, RoutingPreference(reliability=0.0))
    assert [c.key for c in ranked] == ["2", "1", "3"]


def test_reliability_preference_prefers_the_dependable_offer() -> None:
    offers = [cand("cheap", A, 90, 0.3), cand("solid", B, 100, 0.01)]
    assert rank(offers, RoutingPreference(reliability=0.5))[0].key == "solid"
    assert rank(offers, RoutingPreference(reliability=0.0))[0].key == "cheap"


def test_ties_go_to_the_lower_accept_latency() -> None:
    offers = [
        cand("slow", A, 100, 0.1, accept_latency_s=20.0),
        cand("unknown", C, 100, 0.1),
        cand("fast", B, 100, 0.1, accept_latency_s=2.0),
    ]
    assert [c.key for c in rank(offers, RoutingPreference())] == ["fast", "slow", "unknown"]


def test_minimum_reputation_newcomers_and_block_list_filter() -> None:
    offers = [
        cand("low", A, 10, 0.6),
        cand("new", B, 20, 0.5, provisional=True, score=0.5),
        cand("ok", C, 30, 0.05),
    ]
    # the newcomer's neutral prior (p = 0.5) costs it against a proven offer
    assert [c.key for c in rank(offers, RoutingPreference(min_reputation=0.45))] == [
        "ok",
        "new",
    ]
    no_new = RoutingPreference(min_reputation=0.45, allow_provisional=False)
    assert [c.key for c in rank(offers, no_new)] == ["ok"]
    blocked = RoutingPreference(blocked=frozenset({C.upper().replace("0X", "0x")}))
    assert "ok" not in [c.key for c in rank(offers, blocked)]
    assert "low" not in [c.key for c in rank(offers, RoutingPreference(), exclude={A})]


def test_preference_is_validated() -> None:
    with pytest.raises(ValueError, match="min_reputation"):
        RoutingPreference(min_reputation=2)


@given(
    st.integers(1, 10**24),
    st.floats(0, 1),
    st.floats(0, 1),
    st.floats(0, 10),
)
def test_effective_price_grows_with_failure_and_never_undercuts_price(
    price: int, p1: float, p2: float, weight: float
) -> None:
    low, high = sorted((p1, p2))
    assert effective_price(price, low, weight) >= price * (1 - 1e-12)
    assert effective_price(price, high, weight) >= effective_price(price, low, weight) * (1 - 1e-12)
