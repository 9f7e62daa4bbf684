"""The agent's standing offers in the matcher's book: register, heartbeat, re-price,
and the fills they collect.

An offer that missed its heartbeat has left the book (404): it is registered again.
Fills of every offer this run registered are polled, so a job matched to an offer
that later expired is still served.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping

from protocol.matcher_client import FillView, MatcherClient, MatcherRefused
from protocol.pricing import CostBasedPricing, FixedPricing, UtilizationSigmoidPricing
from provider.agent_config import OfferConfig
from provider.agent_log import AgentLog

__all__ = ["MarketPresence"]

Strategy = FixedPricing | CostBasedPricing | UtilizationSigmoidPricing


class MarketPresence:
    def __init__(
        self,
        client: MatcherClient,
        offers: tuple[OfferConfig, ...],
        capacity: Callable[[OfferConfig], float],
        log: AgentLog,
        *,
        heartbeat_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.configs = {o.resource: o for o in offers}
        self.capacity = capacity
        self.log = log
        self.heartbeat_s = heartbeat_s
        self.clock = clock
        self.live: dict[str, str] = {}  # resource -> current offer id
        self._offer_kind: dict[str, OfferConfig] = {}  # every offer id -> its config
        self._seen: set[str] = set()
        self._next_heartbeat = 0.0

    def register_all(self) -> None:
        for config in self.configs.values():
            self._register(config)
        self._next_heartbeat = self.clock() + self.heartbeat_s

    def _register(self, config: OfferConfig) -> None:
        offer = self.client.register_offer(
            config.resource, config.strategy, self.capacity(config), config.min_job_units
        )
        self.live[config.resource] = offer.offer_id
        self._offer_kind[offer.offer_id] = config
        self.log.event(
            "offer_registered",
            offer=offer.offer_id,
            resource=config.resource,
            strategy=config.strategy.model_dump(mode="json"),
            capacity_units_per_s=offer.capacity_units_per_s,
            price_wei=offer.price_wei,
        )

    def heartbeat_if_due(self) -> None:
        if self.clock() < self._next_heartbeat:
            return
        self._next_heartbeat = self.clock() + self.heartbeat_s
        for resource, offer_id in list(self.live.items()):
            try:
                self.client.heartbeat(offer_id)
            except MatcherRefused as exc:
                if exc.status != 404:
                    raise
                self.log.event("offer_expired", offer=offer_id, resource=resource)
                self._register(self.configs[resource])

    def reprice(self, strategies: Mapping[str, Strategy]) -> None:
        """Send every strategy that differs from the one the offer has."""
        for resource, strategy in strategies.items():
            config = self.configs.get(resource)
            offer_id = self.live.get(resource)
            if config is None or offer_id is None or config.strategy == strategy:
                continue
            offer = self.client.update_offer(offer_id, strategy=strategy)
            self.configs[resource] = config.model_copy(update={"strategy": strategy})
            self._offer_kind[offer_id] = self.configs[resource]
            self.log.event(
                "offer_repriced",
                offer=offer_id,
                resource=resource,
                strategy=strategy.model_dump(mode="json"),
                price_wei=offer.price_wei,
            )

    def new_fills(self) -> list[tuple[OfferConfig, FillView]]:
        found = []
        for offer_id, config in list(self._offer_kind.items()):
            for fill in self.client.offer_fills(offer_id):
                if fill.fill_id not in self._seen:
                    self._seen.add(fill.fill_id)
                    found.append((config, fill))
        return found

    def withdraw_all(self) -> None:
        for resource, offer_id in list(self.live.items()):
            with contextlib.suppress(MatcherRefused):  # already gone from the book
                self.client.withdraw_offer(offer_id)
            self.live.pop(resource, None)
            self.log.event("offer_withdrawn", offer=offer_id, resource=resource)
