"""Talk to the other members' oracles: push verdict signatures, ask for batch ones.

The peers are the configured ``[[peers]]`` plus, when the oracle was given a way to
read them (protocol.oracle_endpoints.MemberEndpoints: the matcher's list, members
checked on chain), every other member's published URL, read again periodically and
soon after a peer did not answer; so a member that joins later is found.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import httpx
from pydantic import ValidationError

from oracles.audit import jsonable
from oracles.config import PeerConfig
from oracles.verdicts import BatchSignature, BatchSignatureRequest, PeerSignature
from protocol.oracle_endpoints import MemberEndpoints

__all__ = ["PeerClient", "PushResult", "with_discovered_peers"]


class PushResult(StrEnum):
    DELIVERED = "delivered"
    REFUSED = "refused"  # the peer answered 4xx: sending the same again will not help
    UNREACHABLE = "unreachable"  # no answer or 5xx: try again later


class PeerClient:
    def __init__(
        self,
        peers: Sequence[PeerConfig],
        *,
        timeout: float,
        members: MemberEndpoints | None = None,
        me: str = "",
    ) -> None:
        self.configured = tuple(peers)
        self._members = members
        self._me = me
        self._http = httpx.Client(timeout=timeout)

    @property
    def peers(self) -> tuple[PeerConfig, ...]:
        """The configured peers plus the members' published ones (read again when due)."""
        if self._members is None:
            return self.configured
        return with_discovered_peers(self.configured, self._members.current(), self._me)

    def peer_failed(self) -> None:
        """A peer did not answer: read the members' endpoints again on the next use."""
        if self._members is not None:
            self._members.refresh_soon()

    def close(self) -> None:
        self._http.close()

    def push_signature(self, peer: PeerConfig, signed: PeerSignature) -> PushResult:
        try:
            response = self._http.post(f"{peer.base}/signatures", json=jsonable(signed))
        except httpx.HTTPError:
            return PushResult.UNREACHABLE
        if response.status_code < 300:
            return PushResult.DELIVERED
        if response.status_code < 500:
            return PushResult.REFUSED
        return PushResult.UNREACHABLE

    def request_batch_signature(
        self, peer: PeerConfig, request: BatchSignatureRequest
    ) -> BatchSignature | None:
        """The peer's signature over the batch, or None if it refused or did not answer."""
        try:
            response = self._http.post(f"{peer.base}/batch-signatures", json=jsonable(request))
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        try:
            return BatchSignature.model_validate_json(response.content)
        except ValueError:
            return None


def with_discovered_peers(
    peers: tuple[PeerConfig, ...], found: dict[str, str | None], me: str
) -> tuple[PeerConfig, ...]:
    """``peers`` plus every other member with a published URL not listed yet (pure)."""
    known = {p.address.lower() for p in peers} | {me.lower()}
    extra = []
    for address, url in found.items():
        if url is None or address.lower() in known:
            continue
        try:
            extra.append(PeerConfig.model_validate({"address": address, "url": url}))
        except ValidationError:  # a URL this oracle cannot use: that member stays unreached
            continue
    return (*peers, *extra)
