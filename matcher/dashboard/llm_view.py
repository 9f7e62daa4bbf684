"""The dashboard's view of a token-priced (LLM) resource: its price per 1k tokens now,
tokens per second on offer and asked for, open sessions, and each provider's share.

Pure: built from the offer loads of one resource (matcher.dashboard.offer_load) and the
metrics their providers last reported (protocol.wire.llm_metrics). An offer that reported
nothing counts its registered capacity as supply and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping

from matcher.dashboard.models import LLMMarketView, LLMProviderRow, OfferLoad
from protocol.wire.llm_metrics import LLMOfferMetrics

__all__ = ["TOKEN_UNIT", "llm_market"]

TOKEN_UNIT = "1k tokens"


def llm_market(
    resource: str, loads: list[OfferLoad], metrics: Mapping[str, LLMOfferMetrics]
) -> LLMMarketView:
    rows = []
    for load in loads:
        reported = metrics.get(load.offer_id)
        supply = (
            reported.supply_tokens_per_s
            if reported is not None and reported.supply_tokens_per_s > 0
            else load.capacity_units_per_s * 1000
        )
        rows.append(
            LLMProviderRow(
                provider=load.owner,
                offer_id=load.offer_id,
                price_per_1k_tokens_wei=load.price_wei,
                supply_tokens_per_s=supply,
                demand_tokens_per_s=0.0 if reported is None else reported.demand_tokens_per_s,
                open_sessions=0 if reported is None else reported.open_sessions,
                tokens_served=0 if reported is None else reported.tokens_served,
                reported=reported is not None,
            )
        )
    return LLMMarketView(
        resource=resource,
        price_per_1k_tokens_wei=min((r.price_per_1k_tokens_wei for r in rows), default=None),
        supply_tokens_per_s=sum(r.supply_tokens_per_s for r in rows),
        demand_tokens_per_s=sum(r.demand_tokens_per_s for r in rows),
        open_sessions=sum(r.open_sessions for r in rows),
        tokens_served=sum(r.tokens_served for r in rows),
        providers=rows,
    )
