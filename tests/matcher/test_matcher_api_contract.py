"""HTTP details a client relies on (issue 13, defect 8): Allow on 405, Retry-After on
429, integers that are integers, and an OpenAPI schema as strict as the server."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from matcher_api_helpers import Wallet, offer_payload, order_payload, send, settings_for

from matcher.api import create_app
from matcher.book.clock import ManualClock

P, C = Wallet(91), Wallet(92)


def test_405_names_the_allowed_methods(client: TestClient) -> None:
    r = client.put("/api/market/orders")
    assert r.status_code == 405
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"POST"}
    assert r.json()["error"]["code"] == "method_not_allowed"


def test_429_carries_retry_after(sqlite_url: str, clock: ManualClock) -> None:
    settings = settings_for(sqlite_url, rate_limit_per_s=0.5, rate_limit_burst=1)
    with TestClient(create_app(settings, clock)) as client:
        assert (
            send(client, clock.now(), C, "POST", "/api/market/orders", order_payload()).status_code
            == 409
        )
        r = send(client, clock.now(), C, "POST", "/api/market/orders", order_payload())
        assert r.status_code == 429
        assert r.headers["retry-after"] == "2"
        assert "retry in 2" in r.json()["error"]["message"]
        clock.advance(1.999)  # almost refilled: still refused, never "retry in 0.00 s"
        r = send(client, clock.now(), C, "POST", "/api/market/orders", order_payload())
        assert r.status_code == 429
        assert r.headers["retry-after"] == "1"
        assert "0.00 s" not in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("units", True), ("units", "5"), ("units", 5.0), ("all_or_none", 1), ("kind", 1)],
)
def test_integers_and_booleans_are_not_coerced(
    client: TestClient, clock: ManualClock, field: str, value: Any
) -> None:
    r = send(
        client, clock.now(), C, "POST", "/api/market/orders", {**order_payload(), field: value}
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["param"] == field


def test_min_job_units_true_is_refused(client: TestClient, clock: ManualClock) -> None:
    r = send(
        client,
        clock.now(),
        P,
        "POST",
        "/api/market/register",
        {**offer_payload(), "min_job_units": True},
    )
    assert r.status_code == 422
    assert r.json()["error"]["param"] == "min_job_units"


def test_openapi_is_as_strict_as_the_server(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    components = schema["components"]["schemas"]
    order = components["PlaceOrderRequest"]
    assert set(order["required"]) >= {"resource", "kind", "units", "max_price_wei", "spec"}
    resources = sorted(client.get("/api/market/resources").json(), key=lambda r: r["id"])
    resource_enum = order["properties"]["resource"].get("enum")
    assert resource_enum == [r["id"] for r in resources]
    assert components["RegisterOfferRequest"]["properties"]["resource"]["enum"] == resource_enum
    batch = components["CreateBatchRequest"]
    assert "metadata" in batch["required"]
    metadata = batch["properties"]["metadata"]
    assert metadata["required"] == ["max_price_wei"]
    # Views: every field the server always sends is required.
    for name in ("OrderView", "FillView", "OfferView", "MarketView", "BatchObject"):
        view = components[name]
        assert set(view["required"]) == set(view["properties"]), name
