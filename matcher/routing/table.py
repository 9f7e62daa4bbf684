"""The providers' reputations as the book sees them, and the ranking of an order's
candidate offers by effective price (protocol.reputation.routing; docs/reputation.md).

Pure: the table changes only through the logged ``SetRouting`` command, so replaying the
log ranks exactly as the live book did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from protocol.reputation import Candidate, RoutingPreference, rank
from protocol.reputation.score import ScoreConfig
from protocol.wire.matcher import ProviderRouting

if TYPE_CHECKING:  # the book imports this module
    from matcher.book.offer import Offer

__all__ = ["ProviderRouting", "RoutingTable", "newcomer"]


def newcomer(provider: str) -> ProviderRouting:
    """A provider with no known history: the neutral prior, provisional."""
    prior = ScoreConfig().prior
    return ProviderRouting(
        provider=provider.lower(),
        score=prior,
        failure_probability=1 - prior,
        provisional=True,
        reliability=prior,
        uptime=prior,
        latency=prior,
        timeliness=prior,
        jobs=0,
        completed=0,
        failed=0,
    )


class RoutingTable:
    def __init__(self) -> None:
        self._by_provider: dict[str, ProviderRouting] = {}

    def update(self, entries: Iterable[ProviderRouting]) -> None:
        for entry in entries:
            self._by_provider[entry.provider] = entry

    def get(self, provider: str) -> ProviderRouting:
        key = provider.lower()
        return self._by_provider.get(key) or newcomer(key)

    def __len__(self) -> int:
        return len(self._by_provider)

    def rank_slots(
        self,
        slots: Sequence[int],
        offer_of: Callable[[int], Offer],
        price_of: Callable[[int], float],
        preference: RoutingPreference,
    ) -> list[int]:
        """``slots`` (cheapest first) re-ranked for ``preference``: eligible ones only, by
        effective price, then accept latency, then the book's time priority."""
        by_key: dict[str, int] = {}
        candidates = []
        for slot in slots:
            offer = offer_of(slot)
            known = self.get(offer.owner)
            key = f"{offer.seq:020d}"
            by_key[key] = slot
            candidates.append(
                Candidate(
                    key=key,
                    provider=offer.owner,
                    price_wei=int(price_of(slot)),
                    score=known.score,
                    failure_probability=known.failure_probability,
                    provisional=known.provisional,
                    accept_latency_s=known.accept_latency_s,
                )
            )
        return [by_key[c.key] for c in rank(candidates, preference)]
