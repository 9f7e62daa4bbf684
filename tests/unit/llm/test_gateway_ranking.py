"""The gateway's choice of provider (gpuc.gateway.offers) and the LLM listing an offer
carries (protocol.wire.llm_offer): pure, no I/O."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gpuc.gateway.offers import PRICE_FIRST, ProviderOffer, rank_offers
from protocol.reputation import RoutingPreference, effective_price
from protocol.wire.llm_offer import ListedLLMOffer, LLMListing, price_per_1k_tokens, price_per_token

MODEL = "gemma-3-270m"


def _offer(
    name: str,
    price: int,
    fail: float | None,
    latency: float = 0.01,
    model: str = MODEL,
) -> ProviderOffer:
    known = {} if fail is None else {"failure_probability": fail, "score": 1 - fail}
    return ProviderOffer(
        url=f"http://{name}",
        provider="0x" + name.encode().hex().ljust(40, "0"),
        model=model,
        price_per_token=price,
        latency_s=latency,
        provisional=fail is None,
        **known,
    )


CHEAP_NEW = _offer("aa", 1, None)
FLAKY = _offer("bb", 2, 0.4)
SOLID = _offer("cc", 3, 0.02)
OFFERS = [SOLID, FLAKY, CHEAP_NEW, _offer("dd", 1, 0.0, model="other-model")]


def _urls(offers: list[ProviderOffer]) -> list[str]:
    return [o.url for o in offers]


def test_price_first_is_cheapest_first_for_the_model_asked() -> None:
    assert _urls(rank_offers(OFFERS, MODEL, {}, PRICE_FIRST)) == [
        CHEAP_NEW.url,
        FLAKY.url,
        SOLID.url,
    ]


def test_reliability_ranks_by_the_books_effective_price() -> None:
    ranked = rank_offers(OFFERS, MODEL, {}, RoutingPreference(reliability=0.5))
    weight = RoutingPreference(reliability=0.5).reliability_weight
    prices = [effective_price(o.ranking_price, o.failure_probability, weight) for o in ranked]
    assert prices == sorted(prices) and ranked[0] == SOLID


def test_filters_never_let_a_ruled_out_provider_through() -> None:
    no_new = rank_offers(
        OFFERS, MODEL, {}, RoutingPreference(reliability=0, allow_provisional=False)
    )
    assert _urls(no_new) == [FLAKY.url, SOLID.url]
    high = rank_offers(OFFERS, MODEL, {}, RoutingPreference(reliability=0, min_reputation=0.9))
    assert _urls(high) == [SOLID.url]
    blocked = RoutingPreference(reliability=0, blocked=frozenset({CHEAP_NEW.provider.upper()}))
    assert CHEAP_NEW not in rank_offers(OFFERS, MODEL, {}, blocked)
    banned = rank_offers(OFFERS, MODEL, {FLAKY.url: 100.0}, PRICE_FIRST, now=50.0)
    assert FLAKY not in banned
    assert FLAKY in rank_offers(OFFERS, MODEL, {FLAKY.url: 100.0}, PRICE_FIRST, now=100.0)


def test_equal_prices_go_to_the_lower_measured_latency() -> None:
    slow, fast = _offer("ee", 2, 0.1, latency=0.2), _offer("ff", 2, 0.1, latency=0.01)
    assert rank_offers([slow, fast], MODEL, {}) == [fast, slow]


def test_prices_convert_between_the_books_unit_and_the_session_without_undercutting() -> None:
    assert price_per_1k_tokens(3) == 3000 and price_per_token(3000) == 3
    assert price_per_token(3001) == 4  # rounded up: never below the provider's price
    assert price_per_token(0) == 1
    assert CHEAP_NEW.ranking_price == 1000


@pytest.mark.parametrize(
    ("endpoint", "problem"),
    [
        ("ftp://127.0.0.1:1", "http(s)"),
        ("http://", "http(s)"),
        ("http://127.0.0.1:1/v1", "base URL"),
        ("http://127.0.0.1:1/?a=b", "query"),
        ("http://user:pw@127.0.0.1:1", "credentials"),
    ],
)
def test_a_listing_names_what_is_wrong_with_its_endpoint(endpoint: str, problem: str) -> None:
    with pytest.raises(ValidationError, match="endpoint") as caught:
        LLMListing(endpoint=endpoint, quantization="Q4_K_M")
    assert problem in str(caught.value)


def test_a_listing_is_normalised_and_read_back_from_the_offer_view() -> None:
    listing = LLMListing(endpoint="http://127.0.0.1:8200/", quantization="Q4_K_M")
    assert listing.endpoint == "http://127.0.0.1:8200"
    with pytest.raises(ValidationError, match="quantization"):
        LLMListing(endpoint="http://127.0.0.1:8200", quantization="Q4;rm -rf")
    view = {
        "offer_id": "off_1",
        "owner": "0x" + "11" * 20,
        "resource": MODEL,
        "price_wei": "123456789012345678901",  # beyond 2**53: a decimal string
        "llm": listing.model_dump(mode="json"),
        "routing": {
            "reputation": {"score": 0.5, "failure_probability": 0.5, "provisional": True},
            "quantization": "Q4_K_M",
            "unit": "1k tokens",
        },
        "strategy": {"kind": "fixed", "price_wei": "1"},
    }
    read = ListedLLMOffer.model_validate(view)
    assert read.price_wei == 123456789012345678901 and read.llm == listing
    assert read.routing.reputation.accept_latency_s is None
