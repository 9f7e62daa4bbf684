"""The SDK's matcher client against the real matcher app (in-process, SQLite): signatures
the matcher accepts, typed answers, refusals as MatcherRefused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from matcher.api import create_app
from matcher.auth.request_signature import request_digest as matcher_request_digest
from matcher.settings import MatcherSettings
from protocol.job_spec import spec_hash
from protocol.matcher_client import MatcherClient, MatcherRefused, request_digest
from protocol.pricing import FixedPricing
from protocol.typed_data import job_id
from protocol.wallet import Wallet

CHAIN_ID = 31337
PROVIDER = Wallet.from_private_key("0x" + "11" * 32)
CONSUMER = Wallet.from_private_key("0x" + "22" * 32)
SPEC = spec_hash({"kind": "matmul", "n": 64, "seed_a": 1, "seed_b": 2, "dtype": "float32"})


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    settings = MatcherSettings(database_url=f"sqlite:///{tmp_path / 'm.db'}", chain_id=CHAIN_ID)
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        yield client


def _client(http: TestClient, wallet: Wallet | None) -> MatcherClient:
    return MatcherClient("http://testserver", chain_id=CHAIN_ID, wallet=wallet, http=http)


@pytest.mark.parametrize("path", ["/api/market/orders", "/api/market/offers?limit=5"])
def test_request_digest_equals_the_matchers(path: str) -> None:
    body = b'{"a": 1}'
    ours = request_digest(CHAIN_ID, "post", path, body, 7, 1_900_000_000)
    theirs = matcher_request_digest(CHAIN_ID, "POST", path, body, 7, 1_900_000_000)
    assert ours == theirs
    assert request_digest(CHAIN_ID + 1, "POST", path, body, 7, 1_900_000_000) != theirs


def test_offer_order_fill_round_trip(http: TestClient) -> None:
    provider = _client(http, PROVIDER)
    consumer = _client(http, CONSUMER)
    offer = provider.register_offer("matmul", FixedPricing(price_wei=500), 20.0)
    assert offer.owner == PROVIDER.address and offer.price_wei == 500
    assert provider.heartbeat(offer.offer_id).offer_id == offer.offer_id
    order = consumer.place_order("matmul", units=3, max_price_wei=600, spec=SPEC, kind="market")
    assert order.status == "filled" and len(order.fills) == 1
    fill = order.fills[0]
    assert fill.terms.consumer == CONSUMER.address and fill.terms.provider == PROVIDER.address
    assert fill.terms.budget == 3 * 500 and fill.terms.spec == SPEC
    assert "0x" + job_id(fill.terms).hex() == fill.job_id
    assert [f.fill_id for f in provider.offer_fills(offer.offer_id)] == [fill.fill_id]
    assert consumer.fill(fill.fill_id) == fill
    assert provider.market("matmul").volume_units == 3


def test_reprice_then_limit_order_fills(http: TestClient) -> None:
    provider = _client(http, PROVIDER)
    consumer = _client(http, CONSUMER)
    offer = provider.register_offer("matmul", FixedPricing(price_wei=900), 20.0)
    order = consumer.place_order("matmul", units=1, max_price_wei=400, spec=SPEC)
    assert order.status == "resting"
    provider.update_offer(offer.offer_id, strategy=FixedPricing(price_wei=300))
    filled = consumer.order(order.order_id)
    assert filled.status == "filled" and filled.fills[0].price_per_unit_wei == 300


def test_refusals_are_typed(http: TestClient) -> None:
    consumer = _client(http, CONSUMER)
    with pytest.raises(MatcherRefused) as refused:
        consumer.place_order("matmul", units=1, max_price_wei=1, spec=SPEC, kind="market")
    assert refused.value.status == 409
    with pytest.raises(MatcherRefused) as unknown:
        consumer.place_order("no-such-gpu", units=1, max_price_wei=1, spec=SPEC)
    assert unknown.value.code == "unknown_resource"
    # Another wallet cannot heartbeat someone else's offer.
    offer = _client(http, PROVIDER).register_offer("matmul", FixedPricing(price_wei=5), 1.0)
    with pytest.raises(MatcherRefused) as not_owner:
        consumer.heartbeat(offer.offer_id)
    assert not_owner.value.status == 403


def test_unsigned_client_cannot_change_state(http: TestClient) -> None:
    with pytest.raises(Exception, match="must be signed"):
        _client(http, None).place_order("matmul", units=1, max_price_wei=1, spec=SPEC)


def test_retry_with_an_idempotency_key_and_list_my_orders_and_fills(http: TestClient) -> None:
    provider = _client(http, PROVIDER)
    consumer = _client(http, CONSUMER)
    provider.register_offer("matmul", FixedPricing(price_wei=10**18), 20.0)
    first = consumer.place_order(
        "matmul", units=2, max_price_wei=2 * 10**18, spec=SPEC, kind="market", idempotency_key="k1"
    )
    again = consumer.place_order(
        "matmul", units=2, max_price_wei=2 * 10**18, spec=SPEC, kind="market", idempotency_key="k1"
    )
    assert again == first and first.status == "filled"
    assert [o.order_id for o in consumer.my_orders()] == [first.order_id]
    assert consumer.my_orders(status="resting") == []
    assert [f.fill_id for f in provider.my_fills()] == [first.fills[0].fill_id]
    assert first.fills[0].terms.budget == 2 * 10**18  # a string on the wire, exact here
