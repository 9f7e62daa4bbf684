"""The matcher's REST API as methods; state-changing calls are signed by the wallet."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import TypeAdapter, ValidationError

from protocol.matcher_client.errors import MatcherClientError, MatcherRefused, MatcherUnreachable
from protocol.matcher_client.signing import RequestSigner
from protocol.pricing import CostBasedPricing, FixedPricing, UtilizationSigmoidPricing
from protocol.reputation.routing import RoutingPreference
from protocol.wallet import Wallet
from protocol.wire.acceptance import AcceptancePost, AcceptanceView
from protocol.wire.llm_metrics import LLMOfferMetrics
from protocol.wire.llm_offer import LLMListing
from protocol.wire.matcher import (
    ApiKeyView,
    FillView,
    MarketView,
    OfferView,
    OracleEndpointView,
    OrderView,
)

__all__ = ["MatcherClient"]

Strategy = FixedPricing | CostBasedPricing | UtilizationSigmoidPricing
T = TypeVar("T")
_MARKET = "/api/market"


class MatcherClient:
    """One matcher at ``base_url``; ``wallet`` signs (only reads work without one)."""

    def __init__(
        self,
        base_url: str,
        *,
        chain_id: int,
        wallet: Wallet | None = None,
        timeout: float = 10.0,
        http: httpx.Client | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.signer = None if wallet is None else RequestSigner(wallet, chain_id)
        self._http = http or httpx.Client(timeout=timeout)
        self._owns_http = http is None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> MatcherClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ transport

    def _request(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        signed: bool = False,
        extra_headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body = b"" if payload is None else json.dumps(payload).encode()
        headers = {"content-type": "application/json"} if payload is not None else {}
        headers.update(extra_headers or {})
        if signed:
            if self.signer is None:
                raise MatcherClientError(
                    f"{method} {path} must be signed: give the MatcherClient a wallet"
                )
            headers.update(self.signer.headers(method, path, body))
        try:
            response = self._http.request(
                method, self.base_url + path, content=body, headers=headers
            )
        except httpx.HTTPError as exc:
            raise MatcherUnreachable(
                f"no answer from the matcher at {self.base_url} ({method} {path}): {exc}"
            ) from None
        if response.status_code >= 400:
            raise _refusal(response)
        return response

    def _json(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        signed: bool = False,
        extra_headers: dict[str, str] | None = None,
    ) -> Any:
        response = self._request(method, path, payload, signed=signed, extra_headers=extra_headers)
        try:
            return response.json()
        except ValueError:
            raise MatcherClientError(
                f"{method} {path}: the matcher's answer is not JSON: {response.text[:200]!r}"
            ) from None

    @staticmethod
    def _parse(adapter: TypeAdapter[T], data: Any, what: str) -> T:
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            raise MatcherClientError(
                f"the matcher's {what} is not what was expected: {exc}"
            ) from None

    # ------------------------------------------------------------------ market data

    def markets(self, resource: str | None = None) -> list[MarketView]:
        query = "" if resource is None else "?" + urlencode({"resource": resource})
        data = self._json("GET", f"{_MARKET}{query}")
        return self._parse(_MARKETS, data.get("markets", []), "market list")

    def market(self, resource: str) -> MarketView:
        return self.markets(resource)[0]

    # ------------------------------------------------------------------ providers

    def register_offer(
        self,
        resource: str,
        strategy: Strategy,
        capacity_units_per_s: float,
        min_job_units: int = 1,
        *,
        llm: LLMListing | None = None,
    ) -> OfferView:
        payload: dict[str, Any] = {
            "resource": resource,
            "strategy": strategy.model_dump(mode="json"),
            "capacity_units_per_s": capacity_units_per_s,
            "min_job_units": min_job_units,
        }
        if llm is not None:  # where an LLM offer is served (protocol.wire.llm_offer)
            payload["llm"] = llm.model_dump(mode="json")
        data = self._json("POST", f"{_MARKET}/offers", payload, signed=True)
        return self._parse(_OFFER, data, "offer")

    def update_offer(
        self,
        offer_id: str,
        *,
        strategy: Strategy | None = None,
        capacity_units_per_s: float | None = None,
    ) -> OfferView:
        payload: dict[str, Any] = {}
        if strategy is not None:
            payload["strategy"] = strategy.model_dump(mode="json")
        if capacity_units_per_s is not None:
            payload["capacity_units_per_s"] = capacity_units_per_s
        data = self._json("PATCH", f"{_MARKET}/offers/{offer_id}", payload, signed=True)
        return self._parse(_OFFER, data, "offer")

    def heartbeat(self, offer_id: str) -> OfferView:
        data = self._json("POST", f"{_MARKET}/offers/{offer_id}/heartbeat", signed=True)
        return self._parse(_OFFER, data, "offer")

    def withdraw_offer(self, offer_id: str) -> None:
        self._request("DELETE", f"{_MARKET}/offers/{offer_id}", signed=True)

    def offer(self, offer_id: str) -> OfferView:
        return self._parse(_OFFER, self._json("GET", f"{_MARKET}/offers/{offer_id}"), "offer")

    def offers(
        self, *, resource: str | None = None, owner: str | None = None, limit: int = 1000
    ) -> list[OfferView]:
        params: dict[str, Any] = {"limit": limit}
        if resource is not None:
            params["resource"] = resource
        if owner is not None:
            params["owner"] = owner
        data = self._json("GET", f"{_MARKET}/offers?{urlencode(params)}")
        return self._parse(_OFFERS, data, "offer list")

    def put_llm_metrics(self, offer_id: str, metrics: LLMOfferMetrics) -> None:
        """Report an LLM offer's tokens/s, open sessions and tokens served (dashboard)."""
        payload = metrics.model_dump(mode="json")
        self._request("PUT", f"{_MARKET}/offers/{offer_id}/llm-metrics", payload, signed=True)

    def offer_fills(self, offer_id: str) -> list[FillView]:
        data = self._json("GET", f"{_MARKET}/offers/{offer_id}/fills")
        return self._parse(_FILLS, data, "fill list")

    def fill_input(self, fill_id: str) -> bytes:
        """A batch fill's request file (JSONL); only the fill's provider may read it."""
        return self._request("GET", f"{_MARKET}/fills/{fill_id}/input", signed=True).content

    def fill_result(self, fill_id: str, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Return a batch fill's responses (OpenAI batch output lines, one per custom_id)."""
        data = self._json(
            "POST", f"{_MARKET}/fills/{fill_id}/result", {"results": list(results)}, signed=True
        )
        return dict(data)

    def post_acceptance(self, fill_id: str, signature: bytes) -> AcceptanceView:
        """Hand the consumer this provider's signed acceptance of a fill's terms
        (``Provider.sign_acceptance``): it can then open the job accepted in one transaction."""
        body = AcceptancePost(signature="0x" + signature.hex())
        data = self._json(
            "POST", f"{_MARKET}/fills/{fill_id}/acceptance", body.model_dump(), signed=True
        )
        return self._parse(_ACCEPTANCE, data, "acceptance")

    def fill_acceptance(self, fill_id: str) -> AcceptanceView | None:
        """The provider's signed acceptance of a fill, or None while it has not posted one."""
        try:
            data = self._json("GET", f"{_MARKET}/fills/{fill_id}/acceptance")
        except MatcherRefused as exc:
            if exc.status == 404:
                return None
            raise
        return self._parse(_ACCEPTANCE, data, "acceptance")

    # ------------------------------------------------------------------ consumers

    def place_order(
        self,
        resource: str,
        *,
        units: int,
        max_price_wei: int,
        spec: bytes,
        kind: Literal["market", "limit"] = "limit",
        all_or_none: bool = True,
        exclude_providers: Sequence[str] = (),
        routing: RoutingPreference | None = None,
        idempotency_key: str | None = None,
    ) -> OrderView:
        """Place a buy. ``routing``: minimum reputation and price/reliability preference
        (the book then ranks by effective price, docs/reputation.md); its block list is
        sent as exclusions. ``idempotency_key``: retrying with the same key returns the
        first order."""
        payload: dict[str, Any] = {
            "resource": resource,
            "kind": kind,
            "units": units,
            "max_price_wei": str(max_price_wei),  # a uint: a decimal string on the wire
            "spec": "0x" + spec.hex(),
            "all_or_none": all_or_none,
        }
        excluded = {p.lower() for p in exclude_providers}
        if routing is not None:
            excluded |= {p.lower() for p in routing.blocked}
            payload["min_reputation"] = routing.min_reputation
            payload["reliability"] = routing.reliability
            payload["allow_provisional"] = routing.allow_provisional
        if excluded:
            payload["exclude_providers"] = sorted(excluded)
        extra = None if idempotency_key is None else {"Idempotency-Key": idempotency_key}
        data = self._json("POST", f"{_MARKET}/orders", payload, signed=True, extra_headers=extra)
        return self._parse(_ORDER, data, "order")

    def my_orders(self, status: str | None = None, limit: int = 100) -> list[OrderView]:
        """This wallet's orders, newest first."""
        query = {"limit": limit} | ({} if status is None else {"status": status})
        data = self._json("GET", f"{_MARKET}/orders?{urlencode(query)}", signed=True)
        return self._parse(_ORDERS, data, "order list")

    def my_fills(self, limit: int = 100) -> list[FillView]:
        """Fills where this wallet bought or sold, newest first."""
        data = self._json("GET", f"{_MARKET}/fills?{urlencode({'limit': limit})}", signed=True)
        return self._parse(_FILLS, data, "fill list")

    def order(self, order_id: str) -> OrderView:
        return self._parse(_ORDER, self._json("GET", f"{_MARKET}/orders/{order_id}"), "order")

    def cancel_order(self, order_id: str) -> OrderView:
        data = self._json("POST", f"{_MARKET}/orders/{order_id}/cancel", signed=True)
        return self._parse(_ORDER, data, "order")

    def fill(self, fill_id: str) -> FillView:
        return self._parse(_FILL, self._json("GET", f"{_MARKET}/fills/{fill_id}"), "fill")

    # ------------------------------------------------------------------ oracle endpoints

    def oracle_endpoints(self) -> list[OracleEndpointView]:
        """Published member endpoints (check membership on chain: the matcher does not)."""
        data = self._json("GET", "/api/oracles")
        return self._parse(
            _ENDPOINTS, data.get("oracles") if isinstance(data, dict) else None, "oracle list"
        )

    def publish_oracle_endpoint(self, url: str) -> OracleEndpointView:
        """Publish where this wallet's oracle listens (signed by the wallet)."""
        data = self._json("PUT", "/api/oracles/me", {"url": url}, signed=True)
        return self._parse(TypeAdapter(OracleEndpointView), data, "oracle endpoint")

    def withdraw_oracle_endpoint(self) -> None:
        self._json("DELETE", "/api/oracles/me", signed=True)

    # ------------------------------------------------------------------ API keys

    def register_api_key(self, key: str) -> ApiKeyView:
        """Record a key this wallet made, so `api_keys` lists it."""
        data = self._json("POST", f"{_MARKET}/keys", {"key": key}, signed=True)
        return self._parse(_KEY, data, "API key")

    def api_keys(self) -> list[ApiKeyView]:
        return self._parse(_KEYS, self._json("GET", f"{_MARKET}/keys", signed=True), "key list")

    def revoke_api_key(self, *, key: str | None = None, key_id: str | None = None) -> ApiKeyView:
        """Revoke by the key itself (registered or not) or by a registered key's id."""
        if (key is None) == (key_id is None):
            raise MatcherClientError("revoke_api_key takes the key or its id, one of the two")
        if key is not None:
            data = self._json("POST", f"{_MARKET}/keys/revoke", {"key": key}, signed=True)
        else:
            data = self._json("POST", f"{_MARKET}/keys/{key_id}/revoke", signed=True)
        return self._parse(_KEY, data, "API key")


_OFFER: TypeAdapter[OfferView] = TypeAdapter(OfferView)
_ORDER: TypeAdapter[OrderView] = TypeAdapter(OrderView)
_FILL: TypeAdapter[FillView] = TypeAdapter(FillView)
_ORDERS: TypeAdapter[list[OrderView]] = TypeAdapter(list[OrderView])
_MARKETS: TypeAdapter[list[MarketView]] = TypeAdapter(list[MarketView])
_OFFERS: TypeAdapter[list[OfferView]] = TypeAdapter(list[OfferView])
_FILLS: TypeAdapter[list[FillView]] = TypeAdapter(list[FillView])
_ENDPOINTS: TypeAdapter[list[OracleEndpointView]] = TypeAdapter(list[OracleEndpointView])
_KEY: TypeAdapter[ApiKeyView] = TypeAdapter(ApiKeyView)
_ACCEPTANCE: TypeAdapter[AcceptanceView] = TypeAdapter(AcceptanceView)
_KEYS: TypeAdapter[list[ApiKeyView]] = TypeAdapter(list[ApiKeyView])


def _refusal(response: httpx.Response) -> MatcherRefused:
    try:
        error = response.json()["error"]
        return MatcherRefused(
            response.status_code, str(error["code"]), str(error["message"]), error.get("param")
        )
    except (ValueError, KeyError, TypeError):
        return MatcherRefused(response.status_code, "http_error", response.text[:300])
