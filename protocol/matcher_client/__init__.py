"""A typed HTTP client of the matcher API, signing requests the way the matcher checks them.

    client = MatcherClient("http://127.0.0.1:8080", chain_id=31337, wallet=wallet)
    offer = client.register_offer("matmul", FixedPricing(price_wei=10**16), capacity=50.0)
    order = client.place_order("matmul", units=1, max_price_wei=2 * 10**16, spec=spec_hash)

Used by the provider agent and by consumer-side code (gpuc). Only httpx, eth-account and
pydantic: the SDK never imports the matcher package itself.
"""

from protocol.matcher_client.client import MatcherClient
from protocol.matcher_client.errors import (
    MatcherClientError,
    MatcherRefused,
    MatcherUnreachable,
)
from protocol.matcher_client.models import (
    ApiKeyInfo,
    FillInfo,
    MarketInfo,
    OfferInfo,
    OracleEndpoint,
    OrderInfo,
)
from protocol.matcher_client.signing import RequestSigner, request_digest

__all__ = [
    "ApiKeyInfo",
    "FillInfo",
    "MarketInfo",
    "MatcherClient",
    "MatcherClientError",
    "MatcherRefused",
    "MatcherUnreachable",
    "OfferInfo",
    "OracleEndpoint",
    "OrderInfo",
    "RequestSigner",
    "request_digest",
]
