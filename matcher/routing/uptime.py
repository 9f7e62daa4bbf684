"""Heartbeat-observed availability of each provider: seconds covered by a live offer, in
fixed buckets (an hour by default), published as ``UptimeSample``s so anyone can recompute
the uptime part of the reputation score (docs/reputation.md).

Pure and driven only by the engine's logged commands at their logged times: an offer that
is registered, updated or heartbeats at ``t`` is live until ``t + heartbeat_ttl_s`` (when
the book drops it unless a new heartbeat came) or until it is withdrawn. A provider is up
while at least one of its offers is live. Replaying the log therefore gives the same
figures, and a snapshot (the pickled engine) carries them.

Bounded: only the last ``keep_s`` (30 days) of buckets are kept, and a provider with no
live offer for ``keep_s`` is forgotten. Reads look only at that window, so when the memory
is trimmed (which depends on when time was observed) never changes what is read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from protocol.reputation import UptimeSample

__all__ = ["DEFAULT_BUCKET_S", "DEFAULT_KEEP_S", "UptimeLedger"]

DEFAULT_BUCKET_S = 3600.0
DEFAULT_KEEP_S = 30 * 86400.0


@dataclass(slots=True)
class _Provider:
    first_seen: float
    start: float  # the current run of coverage: [start, until); until may lie ahead
    until: float
    buckets: dict[int, float] = field(default_factory=dict)  # closed runs: index -> seconds
    live: dict[str, float] = field(default_factory=dict)  # offer id -> live until


class UptimeLedger:
    def __init__(self, bucket_s: float = DEFAULT_BUCKET_S, keep_s: float = DEFAULT_KEEP_S) -> None:
        if bucket_s <= 0 or keep_s < bucket_s:
            raise ValueError(f"need 0 < bucket_s <= keep_s, got {bucket_s}, {keep_s}")
        self.bucket_s = bucket_s
        self.keep_buckets = math.ceil(keep_s / bucket_s)
        self._providers: dict[str, _Provider] = {}
        self._pruned_at = -math.inf  # the bucket of the last prune

    @property
    def keep_s(self) -> float:
        return self.keep_buckets * self.bucket_s

    def __len__(self) -> int:
        return len(self._providers)

    # -- events (the engine's commands, at their logged times) ----------------------

    def alive(self, provider: str, offer_id: str, now: float, until: float) -> None:
        """``provider``'s offer proved alive at ``now`` (register, update, heartbeat) and
        stays live until ``until`` unless it is withdrawn first."""
        key = provider.lower()
        p = self._providers.get(key)
        if p is None or p.until <= now - self.keep_s:  # new, or as if forgotten (prune)
            p = self._providers[key] = _Provider(first_seen=now, start=now, until=now)
        p.live = {o: u for o, u in p.live.items() if u > now}
        p.live[offer_id] = max(until, p.live.get(offer_id, until))
        if now > p.until:  # it was down since p.until: close the last run
            self._close(p, p.start, p.until, now)
            p.start = now
            p.until = until
        else:
            p.until = max(p.until, until)

    def gone(self, provider: str, offer_id: str, now: float) -> None:
        """``provider`` withdrew an offer at ``now``: its coverage ends, unless another of
        its offers is still live."""
        p = self._providers.get(provider.lower())
        if p is None or p.live.pop(offer_id, None) is None or p.until <= now:
            return
        others = max((u for u in p.live.values() if u > now), default=now)
        p.until = min(p.until, others)

    def prune(self, now: float) -> None:
        """Drop what no read at ``now`` or later can see (memory only; at most once a
        bucket, so it costs nothing per command)."""
        bucket = math.floor(now / self.bucket_s)
        if bucket <= self._pruned_at:
            return
        self._pruned_at = bucket
        horizon = now - self.keep_s
        for key in [k for k, p in self._providers.items() if p.until <= horizon]:
            del self._providers[key]
        for p in self._providers.values():
            self._trim(p, now)

    # -- reads ---------------------------------------------------------------------

    def samples(self, provider: str, now: float) -> list[UptimeSample]:
        """One sample per bucket of the last ``keep_s`` since the provider was first seen,
        oldest first; the current bucket counts up to ``now``. Empty for a provider never
        seen, or with no live offer in the window."""
        p = self._providers.get(provider.lower())
        if p is None or p.until <= now - self.keep_s:
            return []
        size = self.bucket_s
        last = math.floor(now / size)
        first = max(math.floor(p.first_seen / size), self._oldest(now))
        run_end = min(p.until, now)
        found = []
        for index in range(first, last + 1):
            lo = max(index * size, p.first_seen)
            hi = min((index + 1) * size, now)
            if hi <= lo:
                continue
            covered = p.buckets.get(index, 0.0) + max(0.0, min(hi, run_end) - max(lo, p.start))
            found.append(
                UptimeSample(
                    at=hi, uptime=min(1.0, max(0.0, covered / (hi - lo))), period_s=hi - lo
                )
            )
        return found

    # -- internals -----------------------------------------------------------------

    def _close(self, p: _Provider, start: float, end: float, now: float) -> None:
        """Add the run [start, end) to the buckets it spans (those still kept at ``now``)."""
        size = self.bucket_s
        index = max(math.floor(start / size), self._oldest(now))
        start = max(start, index * size)
        while start < end:
            stop = min(end, (index + 1) * size)
            if stop > start:
                p.buckets[index] = p.buckets.get(index, 0.0) + (stop - start)
            start = stop
            index += 1
        self._trim(p, now)

    def _oldest(self, now: float) -> int:
        """The oldest bucket a read at ``now`` sees."""
        return math.floor(now / self.bucket_s) - self.keep_buckets + 1

    def _trim(self, p: _Provider, now: float) -> None:
        oldest = self._oldest(now)
        for index in [i for i in p.buckets if i < oldest]:
            del p.buckets[index]
