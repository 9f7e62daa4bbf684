"""Committee members and where their oracles listen: members from the chain (the
OracleCommittee's MemberAdded/MemberRemoved events), URLs from the matcher's list
(``GET /api/oracles``, published by each member's wallet with `gpuc oracle join`).
Only addresses the chain says are members are kept, so the matcher cannot add one."""

from __future__ import annotations

from collections.abc import Sequence

import httpx

from protocol.client import Protocol
from protocol.matcher_client import MatcherClient, MatcherClientError, OracleEndpointView

__all__ = ["committee_members", "listed_endpoints", "member_endpoints", "merged_oracle_urls"]


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
