"""What an LLM provider reports about its offer for the matcher's dashboard: the tokens per
second it can generate (supply) and is asked for (demand), its open sessions and the
tokens it served. The provider sends it with its heartbeat (signed by the offer's owner):
``PUT /api/market/offers/{offer_id}/llm-metrics``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from protocol.wire_ints import WireUint

__all__ = ["LLMOfferMetrics"]

_TOKENS_PER_S_MAX = 1e9


class LLMOfferMetrics(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    supply_tokens_per_s: float = Field(
        ge=0, le=_TOKENS_PER_S_MAX, description="measured generation speed (tokens per busy s)"
    )
    demand_tokens_per_s: float = Field(
        ge=0, le=_TOKENS_PER_S_MAX, description="tokens served over the last minute, per s"
    )
    open_sessions: int = Field(ge=0, le=1_000_000, description="sessions accepted, not closed")
    tokens_served: WireUint = Field(description="every token billed since the provider started")
