"""Talk to the other members' oracles: push verdict signatures, ask for batch ones."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import httpx

from oracles.audit import jsonable
from oracles.config import PeerConfig
from oracles.verdicts import BatchSignature, BatchSignatureRequest, PeerSignature

__all__ = ["PeerClient", "PushResult"]


class PushResult(StrEnum):
    DELIVERED = "delivered"
    REFUSED = "refused"  # the peer answered 4xx: sending the same again will not help
    UNREACHABLE = "unreachable"  # no answer or 5xx: try again later


class PeerClient:
    def __init__(self, peers: Sequence[PeerConfig], *, timeout: float) -> None:
        self.peers = tuple(peers)
        self._http = httpx.Client(timeout=timeout)

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
