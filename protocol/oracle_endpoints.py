"""Committee members and where their oracles listen: members from the chain (the
OracleCommittee's MemberAdded/MemberRemoved events), URLs from the matcher's list
(``GET /api/oracles``, published by each member's wallet with `gpuc oracle join`).
Only addresses the chain says are members are kept, so the matcher cannot add one.

``MemberEndpoints`` keeps that list current for a long-running service (a provider's
agent, an oracle): read again every ``refresh_s`` seconds and at once when asked (a
peer or an oracle failed); a failed read keeps the last list."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import httpx

from protocol.client import Protocol
from protocol.matcher_client import MatcherClient, MatcherClientError, OracleEndpointView

__all__ = [
    "DEFAULT_REFRESH_S",
    "MemberEndpoints",
    "committee_members",
    "listed_endpoints",
    "member_endpoints",
    "merged_oracle_urls",
]

DEFAULT_REFRESH_S = 30.0
SOON_S = 5.0  # refresh_soon() reads again at most this often
Discover = Callable[[], dict[str, str | None]]


def committee_members(protocol: Protocol) -> list[str]:
    """Current members, in the order they were (last) added."""
    committee = protocol.contracts.committee
    start = protocol.manifest.block
    events = [
        (int(e["epoch"]), "add", str(e["member"]))
        for e in committee.logs("MemberAdded", from_block=start)
    ] + [
        (int(e["epoch"]), "remove", str(e["member"]))
        for e in committee.logs("MemberRemoved", from_block=start)
    ]
    members: dict[str, None] = {}
    for _, kind, member in sorted(events, key=lambda e: e[0]):
        members.pop(member, None)
        if kind == "add":
            members[member] = None
    return [m for m in members if bool(committee.read("isMember", m))]


def listed_endpoints(http: httpx.Client, matcher_url: str) -> list[OracleEndpointView]:
    """The matcher's list as published (unchecked: see member_endpoints)."""
    client = MatcherClient(matcher_url, chain_id=0, http=http)
    return client.oracle_endpoints()


def member_endpoints(protocol: Protocol, matcher: MatcherClient) -> dict[str, str | None]:
    """member address -> its published URL (None: it published none)."""
    try:
        listed = {e.address.lower(): e.url for e in matcher.oracle_endpoints()}
    except MatcherClientError:
        listed = {}
    return {m: listed.get(m.lower()) for m in committee_members(protocol)}


def merged_oracle_urls(configured: Sequence[str], discovered: dict[str, str | None]) -> list[str]:
    """The configured URLs plus every discovered member URL, without repeats (pure)."""
    urls = [u.rstrip("/") for u in configured]
    for url in discovered.values():
        if url is not None and url.rstrip("/") not in urls:
            urls.append(url.rstrip("/"))
    return urls


class MemberEndpoints:
    """The members' endpoints (``discover()``, e.g. member_endpoints over a protocol and a
    matcher), read again when ``refresh_s`` has passed or a caller asks for it.

    ``on_change(found)`` is called after a read that changed the list, ``on_error(exc)``
    after a read that failed (the last list is kept: the matcher or the chain may be
    briefly away)."""

    def __init__(
        self,
        discover: Discover,
        *,
        refresh_s: float = DEFAULT_REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[dict[str, str | None]], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self.refresh_s = refresh_s
        self._discover = discover
        self._clock = clock
        self._on_change = on_change
        self._on_error = on_error
        self._lock = threading.Lock()
        self._found: dict[str, str | None] = {}
        self._next = float("-inf")
        self._last = float("-inf")

    def current(self) -> dict[str, str | None]:
        """The list, read again first when it is due."""
        if self._clock() >= self._next:
            return self.refresh()
        with self._lock:
            return dict(self._found)

    def refresh_soon(self) -> None:
        """Make current() read the list again once ``SOON_S`` (at most ``refresh_s``) has
        passed since the last read: cheap, for failure paths that may repeat every second."""
        with self._lock:
            self._next = min(self._next, self._last + min(SOON_S, self.refresh_s))

    def refresh(self) -> dict[str, str | None]:
        """Read the list now; the new one (the last one if the read fails)."""
        with self._lock:
            self._last = self._clock()
            self._next = self._last + self.refresh_s
            try:
                found = self._discover()
            except Exception as exc:  # matcher or chain briefly away: keep what we have
                if self._on_error is not None:
                    self._on_error(exc)
                return dict(self._found)
            changed = found != self._found
            self._found = dict(found)
        if changed and self._on_change is not None:
            self._on_change(dict(found))
        return dict(found)
