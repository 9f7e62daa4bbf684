"""The providers' reputations as the book sees them, and the ranking of an order's
candidate offers by effective price (protocol.reputation.routing; docs/reputation.md).

Pure: the table changes only through the logged ``SetRouting`` command, so replaying the
log ranks exactly as the live book did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from protocol.reputation import Candidate, Reputation, RoutingPreference, rank
from protocol.reputation.score import ScoreConfig

if TYPE_CHECKING:  # the book imports this module
    from matcher.book.offer import Offer

__all__ = ["ProviderRouting", "RoutingTable", "newcomer"]


class ProviderRouting(BaseModel):
    """What routing knows about one provider address (lower case)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str = Field(min_length=1, max_length=66)  # the offers' owner, lower case
    score: float = Field(ge=0, le=1)
    failure_probability: float = Field(ge=0, le=1)
    provisional: bool
    reliability: float = Field(ge=0, le=1)
    uptime: float = Field(ge=0, le=1)
    latency: float = Field(ge=0, le=1)
    timeliness: float = Field(ge=0, le=1)
    jobs: int = Field(ge=0)
    completed: int = Field(ge=0)
    failed: int = Field(ge=0)
    accept_latency_s: float | None = Field(default=None, ge=0)  # mean measured on chain

    @classmethod
    def of(cls, reputation: Reputation, accept_latency_s: float | None) -> ProviderRouting:
        parts = reputation.parts
        return cls(
            provider=reputation.provider.lower(),
            score=reputation.score,
            failure_probability=reputation.failure_probability,
            provisional=reputation.provisional,
            reliability=parts.reliability,
            uptime=parts.uptime,
            latency=parts.latency,
            timeliness=parts.timeliness,
            jobs=reputation.jobs,
            completed=reputation.completed,
            failed=reputation.failed,
            accept_latency_s=accept_latency_s,
        )


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
