"""Providers' reputations read from the chain (escrow events via protocol.reputation), and
the task that hands changed ones to the book as a logged ``SetRouting`` command."""

from __future__ import annotations

import asyncio
import logging
import statistics
from collections.abc import Callable, Mapping, Sequence

from matcher.engine.commands import SetRouting
from matcher.errors import MatcherError
from matcher.routing.table import ProviderRouting
from matcher.service import MatcherService
from protocol.client import Protocol
from protocol.errors import ProtocolError
from protocol.reputation import ScoreConfig, UptimeSample, score
from protocol.reputation.chain import provider_history

__all__ = ["ChainReputationSource", "ReputationSource", "feed_routing"]

log = logging.getLogger(__name__)

# (providers, each one's heartbeat uptime samples from the matcher) -> their routing entries
Uptime = Mapping[str, Sequence[UptimeSample]]
ReputationSource = Callable[[Sequence[str], Uptime], list[ProviderRouting]]
_DIGITS = 3  # the book sees changes of a thousandth, not the slow drift of recency weights


class ChainReputationSource:
    """Reputation of each provider from the escrow's events since the deployment, with
    the matcher's heartbeat uptime (``matcher.routing.uptime``) as the uptime input."""

    def __init__(self, protocol: Protocol, config: ScoreConfig | None = None) -> None:
        self.protocol = protocol
        self.config = config or ScoreConfig()

    def __call__(self, providers: Sequence[str], uptime: Uptime) -> list[ProviderRouting]:
        now = self.protocol.now()
        found = []
        for provider in providers:
            history = provider_history(self.protocol, provider, uptime=uptime.get(provider, ()))
            reputation = score(history, now, self.config)
            latency = (
                statistics.fmean(a.latency_s for a in history.accepts) if history.accepts else None
            )
            entry = ProviderRouting.of(reputation, latency)
            rounded = {
                k: round(v, _DIGITS) if isinstance(v, float) else v
                for k, v in entry.model_dump().items()
            }
            found.append(ProviderRouting.model_validate(rounded))
        return found


async def feed_routing(
    service: MatcherService, source: ReputationSource, interval_s: float
) -> None:
    """Forever: read the reputations of the providers in the book and log what changed."""
    known: dict[str, ProviderRouting] = {}
    while True:
        providers = sorted({o.owner for o in service.engine.book.offers()})
        # Read here, on the loop that changes the engine, not in the worker thread.
        now = service.now()
        uptime = {p: service.engine.uptime.samples(p, now) for p in providers}
        try:
            entries = await asyncio.to_thread(source, providers, uptime) if providers else []
            changed = tuple(e for e in entries if known.get(e.provider) != e)
            if changed:
                await service.execute(SetRouting(providers=changed), None)
                known.update((e.provider, e) for e in changed)
        except (ProtocolError, MatcherError, OSError) as exc:
            log.warning("reputation refresh failed: %s", exc)
        await asyncio.sleep(interval_s)
