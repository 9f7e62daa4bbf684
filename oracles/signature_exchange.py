"""Share this member's verdict signatures with its peers, and gather theirs for batches.

Each signature is pushed to every peer in the background and pushed again every
second until the peer has taken it (or refused it for good), the job closed, or
the verdict was undone. After a restart the node shares every open verdict again,
and a peer found after the start (a member that joined later: oracles.peers) is sent
every open verdict when it first appears.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from oracles.audit import AuditLog
from oracles.config import PeerConfig
from oracles.job_store import JobStore, StoredVerdict, VerdictState
from oracles.metrics import OracleMetrics
from oracles.peers import PeerClient, PushResult
from oracles.verdicts import BatchSignatureRequest, PeerSignature
from protocol.committee_signatures import MemberSignature
from protocol.errors import SignatureError
from protocol.typed_data import recover_signer

__all__ = ["SignatureExchange"]

_RETRY = 1.0  # seconds between pushes of a signature a peer did not take
_IN_FLIGHT = 30.0  # a push still running is not started again before this


class SignatureExchange:
    def __init__(
        self,
        peers: PeerClient,
        jobs: JobStore,
        *,
        address: str,
        audit: AuditLog,
        metrics: OracleMetrics,
        is_closed: Callable[[bytes], bool],
    ) -> None:
        self.peers = peers
        self.jobs = jobs
        self.address = address
        self.audit = audit
        self.metrics = metrics
        self._is_closed = is_closed
        self._lock = threading.Lock()
        self._unacked: dict[tuple[bytes, str], float] = {}  # (job, peer url) -> next push
        self._known: set[str] | None = None  # peer URLs seen by retry_due; None: not yet
        # Peer HTTP calls run here, so a slow peer never stalls the decision loop.
        self._workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="oracle-peers")

    def close(self) -> None:
        self._workers.shutdown(wait=False, cancel_futures=True)
        self.peers.close()

    def share(self, stored: StoredVerdict) -> None:
        """Push the signature of ``stored`` to every peer."""
        for peer in self.peers.peers:
            self._push(stored, peer)

    def retry_due(self) -> None:
        now = time.monotonic()
        with self._lock:
            due = [key for key, at in self._unacked.items() if at <= now]
        peers = {p.url: p for p in self.peers.peers}
        for job, url in due:
            stored = self.jobs.verdict(job)
            if stored is None or stored.state != VerdictState.SIGNED or self._is_closed(job):
                self.forget(job)
                continue
            if url not in peers:  # no longer a peer (left the committee, or moved)
                with self._lock:
                    self._unacked.pop((job, url), None)
                continue
            self._push(stored, peers[url])
        self._share_with_new(peers)

    def _share_with_new(self, peers: dict[str, PeerConfig]) -> None:
        """Send every open verdict to the peers that appeared since the last call."""
        new = [] if self._known is None else [p for u, p in peers.items() if u not in self._known]
        self._known = set(peers)
        if not new:
            return
        for stored in self.jobs.verdicts_in(VerdictState.SIGNED):
            if not self._is_closed(stored.job_id):
                for peer in new:
                    self._push(stored, peer)

    def forget(self, job: bytes) -> None:
        with self._lock:
            for key in [k for k in self._unacked if k[0] == job]:
                del self._unacked[key]

    def collect_batch(self, request: BatchSignatureRequest, digest: bytes) -> list[MemberSignature]:
        """Peers' signatures over the batch ``digest``, each checked to be the peer's."""
        answers = self._workers.map(
            lambda peer: (peer, self.peers.request_batch_signature(peer, request)),
            self.peers.peers,
        )
        collected = []
        for peer, answer in answers:
            if answer is None or answer.signer != peer.address:
                continue
            try:
                if recover_signer(digest, answer.signature) == peer.address:
                    collected.append(
                        MemberSignature(signer=peer.address, signature=answer.signature)
                    )
            except SignatureError:
                continue
        return collected

    def _push(self, stored: StoredVerdict, peer: PeerConfig) -> None:
        if stored.verdict is None or stored.signature is None:
            return
        signed = PeerSignature(
            verdict=stored.verdict, signer=self.address, signature=stored.signature
        )
        key = (stored.job_id, peer.url)
        with self._lock:
            self._unacked[key] = time.monotonic() + _IN_FLIGHT

        def send() -> None:
            result = self.peers.push_signature(peer, signed)
            with self._lock:
                if result == PushResult.UNREACHABLE:
                    self.peers.peer_failed()
                    if key in self._unacked:
                        self._unacked[key] = time.monotonic() + _RETRY
                    return
                self._unacked.pop(key, None)
            if result == PushResult.DELIVERED:
                self.metrics.verdicts_sent.labels(channel="peer").inc()
            else:
                self.audit.record("signature_refused_by_peer", job=stored.job_id, peer=peer.address)

        self._workers.submit(send)
