"""What an LLM provider's offer in the matcher's book carries so that a consumer's
gateway can buy from it without a provider URL list: where the provider serves the
model and what the engine actually runs. The matcher stores it with the offer and
shows it in the offer's routing metadata; the gateway reads it back (issue #12).

The model is the offer's resource (``gemma-3-270m``); its price is the offer's
``price_wei`` per 1k tokens (the resource's unit). The provider bills per token, so
a gateway opens its session at :func:`price_per_token` of that price.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from protocol.wire_ints import WireUint

__all__ = [
    "TOKENS_PER_PRICE_UNIT",
    "LLMListing",
    "ListedLLMOffer",
    "OfferReputation",
    "price_per_1k_tokens",
    "price_per_token",
]

TOKENS_PER_PRICE_UNIT = 1000  # LLM resources are priced per "1k tokens"


class LLMListing(BaseModel):
    """The serving side of one LLM offer."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    endpoint: str = Field(
        min_length=1,
        max_length=256,
        description="base URL of the provider's OpenAI-compatible server (http or https, no"
        " path beyond /), where sessions are accepted and /v1/chat/completions is served",
        examples=["http://127.0.0.1:8200"],
    )
    quantization: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.+\- ]+$",
        description="what the engine runs: the weights' format and the compute dtype, e.g."
        " 'Q4_K_M dequantized to float32' (the embedded engine) or 'Q4_K_M' (llama.cpp)",
    )

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL with a host, e.g. http://127.0.0.1:8200")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must not carry a query, fragment or credentials")
        if parts.path not in ("", "/"):
            raise ValueError("must be the server's base URL (no path)")
        return value.rstrip("/")


def price_per_1k_tokens(price_per_token_wei: int) -> int:
    """The offer price (per 1k tokens) of a provider that bills ``price_per_token_wei``."""
    return price_per_token_wei * TOKENS_PER_PRICE_UNIT


def price_per_token(price_per_1k_wei: int) -> int:
    """The per-token price to open a session at: rounded up, so it is never below the
    provider's own price (at least 1 wei)."""
    return max(-(-price_per_1k_wei // TOKENS_PER_PRICE_UNIT), 1)


class _Reading(BaseModel):
    # What the gateway reads of the matcher's offer view: extra fields are ignored, so
    # a newer matcher that adds fields does not break older gateways.
    model_config = ConfigDict(frozen=True, extra="ignore")


class OfferReputation(_Reading):
    """The provider's reputation as the book ranks by it (docs/reputation.md)."""

    score: float = Field(ge=0, le=1)
    failure_probability: float = Field(ge=0, le=1)
    provisional: bool
    accept_latency_s: float | None = Field(default=None, ge=0)


class _OfferRoutingReading(_Reading):
    reputation: OfferReputation
    quantization: str | None = None


class ListedLLMOffer(_Reading):
    """One standing offer from ``GET /api/market/offers``, as a gateway reads it."""

    offer_id: str
    owner: str
    resource: str
    price_wei: WireUint  # per 1k tokens, at the book's utilization now
    llm: LLMListing | None = None
    routing: _OfferRoutingReading
