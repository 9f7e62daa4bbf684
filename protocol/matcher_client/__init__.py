"""A typed HTTP client of the matcher API, signing requests the way the matcher checks them.

    client = MatcherClient("http://127.0.0.1:8080", chain_id=31337, wallet=wallet)
    offer = client.register_offer("matmul", FixedPricing(price_wei=10**16), capacity=50.0)
    order = client.place_order("matmul", units=1, max_price_wei=2 * 10**16, spec=spec_hash)

Used by the provider agent and by consumer-side code (gpuc). Only httpx, eth-account and
pydantic: the SDK never imports the matcher package itself. Its answers are the
matcher's own response classes (protocol.wire.matcher), re-exported here.
"""

from protocol.matcher_client.client import MatcherClient
from protocol.matcher_client.errors import (
    MatcherClientError,
    MatcherRefused,
    MatcherUnreachable,
)
from protocol.matcher_client.signing import RequestSigner, request_digest
from protocol.wire.matcher import (
    ApiKeyView,
    FillView,
    MarketView,
    OfferView,
    OracleEndpointView,
    OrderView,
)

__all__ = [
    "ApiKeyView",
    "FillView",
    "MarketView",
    "MatcherClient",
    "MatcherClientError",
    "MatcherRefused",
    "MatcherUnreachable",
    "OfferView",
    "OracleEndpointView",
    "OrderView",
    "RequestSigner",
    "request_digest",
]
