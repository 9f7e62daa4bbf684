"""Job terms a fill produces: what the consumer opens on chain (docs/protocol-types.md).
The terms type itself is protocol.typed_data.JobTerms."""

from __future__ import annotations

import math

from matcher.book.config import BookConfig
from protocol.signatures import keccak
from protocol.typed_data import JobTerms
from protocol.wire.matcher import Fill


def terms_for_fill(fill: Fill, spec: str, config: BookConfig) -> JobTerms:
    """Deterministic in the fill, so a restarted matcher hands out the same terms."""
    return JobTerms(
        consumer=fill.consumer,
        provider=fill.provider,
        budget=fill.cost_wei,
        price_per_unit=fill.price_per_unit_wei,
        accept_deadline=math.ceil(fill.at) + config.accept_window_s,
        deadline=math.ceil(fill.done_by) + config.accept_window_s + config.deadline_grace_s,
        spec=spec,
        salt=int.from_bytes(keccak(text=f"gpuc-matcher-fill:{fill.fill_id}"), "big"),
    )
