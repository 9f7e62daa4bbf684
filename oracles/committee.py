"""The committee as this oracle sees it: epoch, threshold and membership, cached briefly.

Signature checks on the API path ask "is this signer a member?" for every peer
message; a few seconds of cache keep that off the chain without missing an epoch
change for long (and a verdict of the wrong epoch fails the escrow's own check).
"""

from __future__ import annotations

import threading
import time

from protocol.contracts import BoundContract

__all__ = ["CommitteeView"]


class CommitteeView:
    def __init__(self, committee: BoundContract, *, ttl: float = 2.0) -> None:
        self._committee = committee
        self._ttl = ttl
        self._lock = threading.Lock()
        self._read_at = float("-inf")
        self._epoch = 0
        self._threshold = 0
        self._members: dict[str, bool] = {}

    @property
    def address(self) -> str:
        return self._committee.address

    def refresh(self, *, force: bool = False) -> None:
        with self._lock:
            if not force and time.monotonic() - self._read_at < self._ttl:
                return
            epoch = int(self._committee.read("epoch"))
            threshold = int(self._committee.read("threshold"))
            if epoch != self._epoch:
                self._members.clear()
            self._epoch, self._threshold = epoch, threshold
            self._read_at = time.monotonic()

    def epoch(self) -> int:
        self.refresh()
        return self._epoch

    def threshold(self) -> int:
        self.refresh()
        return self._threshold

    def is_member(self, address: str) -> bool:
        self.refresh()
        with self._lock:
            known = self._members.get(address)
        if known is None:
            known = bool(self._committee.read("isMember", address))
            with self._lock:
                self._members[address] = known
        return known
