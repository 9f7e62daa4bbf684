"""The LLM provider's offer in the matcher's book: registered with its listing (where
it serves, what its engine runs), kept alive by heartbeats, re-priced when the
per-token price moves, registered again when it lapsed, withdrawn on exit.

The book prices LLM resources per 1k tokens; the provider bills per token, so the
offer's fixed price is the current per-token price times 1000
(protocol.wire.llm_offer). Gateways find the provider by this offer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from protocol.matcher_client import MatcherClient, MatcherRefused
from protocol.pricing import FixedPricing
from protocol.wire.llm_offer import TOKENS_PER_PRICE_UNIT, LLMListing, price_per_1k_tokens

__all__ = ["DEFAULT_TOKENS_PER_S", "LLMOfferPresence"]

# Generation speed announced before any answer was timed (Gemma 3 270M on 2 CPU cores).
DEFAULT_TOKENS_PER_S = 18.0


class LLMOfferPresence:
    """One standing offer for ``model``; call :meth:`upkeep` every few seconds."""

    def __init__(
        self,
        client: MatcherClient,
        model: str,
        listing: LLMListing,
        price_per_token: Callable[[], int],
        tokens_per_s: Callable[[], float],
    ) -> None:
        self.client = client
        self.model = model
        self.listing = listing
        self.price_per_token = price_per_token
        self.tokens_per_s = tokens_per_s
        self.offer_id: str | None = None
        self._price_1k = 0

    def _capacity(self) -> float:
        measured = self.tokens_per_s()
        return (measured if measured > 0 else DEFAULT_TOKENS_PER_S) / TOKENS_PER_PRICE_UNIT

    def register(self) -> str:
        self._price_1k = price_per_1k_tokens(self.price_per_token())
        offer = self.client.register_offer(
            self.model,
            FixedPricing(price_wei=self._price_1k),
            self._capacity(),
            llm=self.listing,
        )
        self.offer_id = offer.offer_id
        return offer.offer_id

    def upkeep(self) -> str:
        """Heartbeat (or register, or re-price); returns what it did."""
        if self.offer_id is None:
            self.register()
            return "registered"
        price_1k = price_per_1k_tokens(self.price_per_token())
        try:
            if price_1k != self._price_1k:
                self.client.update_offer(self.offer_id, strategy=FixedPricing(price_wei=price_1k))
                self._price_1k = price_1k
                return "repriced"
            self.client.heartbeat(self.offer_id)
            return "heartbeat"
        except MatcherRefused as exc:
            if exc.status != 404:
                raise
            self.register()  # the offer lapsed (missed heartbeats): list it again
            return "registered"

    def withdraw(self) -> None:
        if self.offer_id is not None:
            with contextlib.suppress(MatcherRefused):  # already gone from the book
                self.client.withdraw_offer(self.offer_id)
            self.offer_id = None
