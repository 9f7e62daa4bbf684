"""A fill's signed acceptance through the matcher (the SDK client against the app): only
the fill's provider may post it, once; the consumer reads it back; bad input is refused
and changes nothing; a restart replays it from the log."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from matcher_api_helpers import CHAIN_ID, Wallet, send, settings_for

from matcher.api import create_app
from matcher.book.clock import ManualClock
from protocol.matcher_client import MatcherClient, MatcherRefused
from protocol.pricing import FixedPricing
from protocol.typed_data import sign_digest
from protocol.wallet import Wallet as SdkWallet

PROVIDER, CONSUMER, STRANGER = Wallet(71), Wallet(72), Wallet(73)


def _client(http: TestClient, wallet: Wallet) -> MatcherClient:
    return MatcherClient(
        str(http.base_url),
        chain_id=CHAIN_ID,
        wallet=SdkWallet.from_private_key(wallet.key),
        http=http,
    )


def _fill(http: TestClient) -> str:
    provider = _client(http, PROVIDER)
    provider.register_offer("h100", FixedPricing(price_wei=100), 10.0)
    order = _client(http, CONSUMER).place_order(
        "h100", units=5, max_price_wei=200, spec=bytes(32), kind="market"
    )
    return order.fills[0].fill_id


def test_the_provider_posts_once_and_the_consumer_reads_it(tmp_path: Path) -> None:
    clock = ManualClock(start=time.time())  # the SDK signs with the wall clock
    url = f"sqlite:///{tmp_path / 'matcher.db'}"
    signature = sign_digest(PROVIDER.key, b"\x11" * 32)
    with TestClient(create_app(settings_for(url), clock)) as http:
        fill_id = _fill(http)
        consumer, provider = _client(http, CONSUMER), _client(http, PROVIDER)
        assert consumer.fill_acceptance(fill_id) is None
        for wrong in (consumer, _client(http, STRANGER)):  # only the fill's provider
            with pytest.raises(MatcherRefused) as refused:
                wrong.post_acceptance(fill_id, signature)
            assert refused.value.status == 409 and "not" in str(refused.value)
        assert consumer.fill_acceptance(fill_id) is None  # the refusals changed nothing
        posted = provider.post_acceptance(fill_id, signature)
        assert posted.signature == "0x" + signature.hex()
        assert posted.provider == PROVIDER.address
        read = consumer.fill_acceptance(fill_id)
        assert read is not None and read.signature == posted.signature
        assert read.job_id == consumer.fill(fill_id).job_id
        assert provider.post_acceptance(fill_id, signature) == posted  # a retry: a no-op
        other = sign_digest(PROVIDER.key, b"\x22" * 32)
        with pytest.raises(MatcherRefused) as refused:
            provider.post_acceptance(fill_id, other)  # a second, different one
        assert refused.value.status == 409 and refused.value.field == "signature"
        with pytest.raises(MatcherRefused) as refused:
            provider.post_acceptance("fill_nope", signature)
        assert refused.value.status == 404
        path = f"/api/market/fills/{fill_id}/acceptance"
        for bad in ("0x" + signature[:64].hex(), signature.hex(), 7, None):  # not 0x + 65 bytes
            answer = send(http, time.time(), PROVIDER, "POST", path, {"signature": bad})
            assert answer.status_code == 422, answer.text
            assert "signature" in answer.text
        assert consumer.fill_acceptance(fill_id) == read
    with TestClient(create_app(settings_for(url), clock)) as http:  # restart: log replayed
        assert _client(http, CONSUMER).fill_acceptance(fill_id) == read
