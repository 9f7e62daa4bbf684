"""Every state change is signed by its owner; replays, expiry, wrong keys are refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from matcher_api_helpers import CHAIN_ID, Wallet, body_of, offer_payload, order_payload, send

from matcher.book.clock import ManualClock
from protocol.signatures import SECP256K1_N

PROVIDER, CONSUMER, MALLORY = Wallet(11), Wallet(12), Wallet(13)


def error_of(response: Any) -> tuple[int, str, str | None]:
    err = response.json()["error"]
    return response.status_code, err["code"], err["param"]


def test_a_providers_offer_changes_only_with_its_key(
    client: TestClient, clock: ManualClock
) -> None:
    r = send(client, clock.now(), PROVIDER, "POST", "/api/market/register", offer_payload())
    assert r.status_code == 201
    offer_id = r.json()["offer_id"]
    assert r.json()["owner"] == PROVIDER.address
    path = f"/api/market/offers/{offer_id}"
    r = send(client, clock.now(), MALLORY, "PATCH", path, {"capacity_units_per_s": 1.0})
    assert error_of(r)[:2] == (403, "not_owner")
    r = send(client, clock.now(), MALLORY, "DELETE", path)
    assert error_of(r)[:2] == (403, "not_owner")
    r = send(client, clock.now(), MALLORY, "POST", "/api/market/withdraw", {"offer_id": offer_id})
    assert error_of(r)[:2] == (403, "not_owner")
    assert client.get(path).json()["capacity_units_per_s"] == 10.0
    r = send(client, clock.now(), PROVIDER, "PATCH", path, {"capacity_units_per_s": 2.5})
    assert r.status_code == 200 and r.json()["capacity_units_per_s"] == 2.5
    r = send(client, clock.now(), PROVIDER, "POST", f"{path}/heartbeat")
    assert r.status_code == 200
    r = send(client, clock.now(), PROVIDER, "DELETE", path)
    assert r.status_code == 200
    assert client.get(path).status_code == 404


def test_a_replayed_signature_is_refused(client: TestClient, clock: ManualClock) -> None:
    body = body_of(order_payload(kind="limit", max_price=5))
    headers = CONSUMER.sign("POST", "/api/market/orders", body, now=clock.now())
    first = client.post("/api/market/orders", content=body, headers=headers)
    assert first.status_code == 201
    again = client.post("/api/market/orders", content=body, headers=headers)
    assert error_of(again) == (401, "signature_replayed", "X-GPUC-Nonce")
    assert (
        client.get("/api/market?resource=llama-3-70b").json()["markets"][0]["pending_requests"] == 1
    )


def test_expired_wrong_and_malleated_signatures_are_refused(
    client: TestClient, clock: ManualClock
) -> None:
    path, payload = "/api/market/orders", order_payload(kind="limit", max_price=5)
    r = send(client, clock.now(), CONSUMER, "POST", path, payload, ttl=-1)
    assert error_of(r) == (401, "signature_expired", "X-GPUC-Expiry")
    r = send(client, clock.now(), CONSUMER, "POST", path, payload, ttl=10 * 86_400)
    assert error_of(r)[:2] == (401, "unauthorized")
    r = send(client, clock.now(), CONSUMER, "POST", path, payload, chain_id=CHAIN_ID + 1)
    assert error_of(r) == (401, "unauthorized", "X-GPUC-Signature")
    # Signed for one body, sent with another.
    body = body_of(payload)
    headers = CONSUMER.sign("POST", path, body, now=clock.now())
    tampered = body_of({**payload, "units": 999})
    r = client.post(path, content=tampered, headers=headers)
    assert (
        error_of(r)[:2] == (401, "unauthorized") and "was made by" in r.json()["error"]["message"]
    )
    # The same signature with s -> n - s (valid for eth-account, refused by ECDSA.sol).
    headers = CONSUMER.sign("POST", path, body, now=clock.now())
    sig = bytes.fromhex(headers["X-GPUC-Signature"][2:])
    s = int.from_bytes(sig[32:64], "big")
    flipped = sig[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - sig[64]])
    r = client.post(
        path, content=body, headers={**headers, "X-GPUC-Signature": "0x" + flipped.hex()}
    )
    assert error_of(r)[:2] == (401, "unauthorized") and "low half" in r.json()["error"]["message"]
    # v in {0, 1} is refused too.
    low_v = sig[:64] + bytes([sig[64] - 27])
    r = client.post(path, content=body, headers={**headers, "X-GPUC-Signature": "0x" + low_v.hex()})
    assert "only 27 or 28" in r.json()["error"]["message"]
    r = client.post(path, content=body, headers={"content-type": "application/json"})
    assert error_of(r) == (401, "unauthorized", "X-GPUC-Signer")
    assert (
        client.get("/api/market?resource=llama-3-70b").json()["markets"][0]["pending_requests"] == 0
    )


def test_rate_limit_per_key(db_url: str, clock: ManualClock) -> None:
    from matcher_api_helpers import settings_for

    from matcher.api import create_app

    app = create_app(settings_for(db_url, rate_limit_per_s=1.0, rate_limit_burst=2.0), clock)
    with TestClient(app) as c:
        codes = [
            send(
                c, clock.now(), CONSUMER, "POST", "/api/market/orders", order_payload("limit", 1, 5)
            ).status_code
            for _ in range(3)
        ]
        assert codes == [201, 201, 429]
        # Another key is not held back, and time refills the bucket.
        assert (
            send(
                c, clock.now(), MALLORY, "POST", "/api/market/orders", order_payload("limit", 1, 5)
            ).status_code
            == 201
        )
        clock.advance(1.0)
        assert (
            send(
                c, clock.now(), CONSUMER, "POST", "/api/market/orders", order_payload("limit", 1, 5)
            ).status_code
            == 201
        )
