"""Chain-event handling: what the watcher's confirmed (or reorged-away) escrow
events change in this oracle's state.

- a removed event undoes every verdict resting on it that was not sent to the
  chain yet (one that was sent is followed by the transaction manager);
- a closing event (settled, slashed, refunded) ends the signature exchange for
  its job and times the settlement;
- every event, added or removed, goes to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable

from oracles.audit import AuditLog
from oracles.job_store import JobStore
from oracles.metrics import OracleMetrics
from oracles.signature_exchange import SignatureExchange
from oracles.watcher import ChainEvent, WatchStore, WatchUpdate

__all__ = ["ChainEvents"]


class ChainEvents:
    def __init__(
        self,
        *,
        events: WatchStore,
        jobs: JobStore,
        exchange: SignatureExchange,
        audit: AuditLog,
        metrics: OracleMetrics,
        clock: Callable[[], float],
    ) -> None:
        self.events = events
        self.jobs = jobs
        self.exchange = exchange
        self.audit = audit
        self.metrics = metrics
        self.clock = clock

    def apply(self, update: WatchUpdate) -> None:
        self.metrics.head.set(update.head)
        self.metrics.cursor.set(update.cursor)
        self.metrics.lag.set(update.lag)
        for event in update.removed:
            self._record("chain_event_removed", event)
        if update.removed:
            self._undo(update.removed)
        for event in update.added:
            self._record("chain_event", event)
            if event.name == "ReceiptSubmitted":
                self.metrics.receipts_seen.labels(source="chain").inc()
            elif event.name in ("JobSettled", "JobSlashed", "JobRefunded"):
                self._on_closed(event)

    def _record(self, what: str, event: ChainEvent) -> None:
        self.audit.record(
            what,
            name=event.name,
            job=event.job_id,
            block=event.block_number,
            block_hash=event.block_hash,
            tx=event.tx_hash,
            args=event.args,
        )

    def _undo(self, removed: tuple[ChainEvent, ...]) -> None:
        """Forget verdicts that rest on vanished events and were not sent to the chain."""
        keys = {e.key for e in removed}
        for jid in {e.job_id for e in removed}:
            stored = self.jobs.verdict(jid)
            if stored is None or not keys.intersection(stored.basis):
                continue
            if stored.tx_key is not None:
                self.audit.record(
                    "verdict_kept_after_reorg",
                    job=jid,
                    tx_key=stored.tx_key,
                    why="its settlement was sent; the transaction manager follows it",
                )
                continue
            self.jobs.delete_verdict(jid)
            self.exchange.forget(jid)
            self.audit.record(
                "verdict_undone",
                job=jid,
                state=stored.state,
                verdict=stored.verdict,
                removed=sorted(keys.intersection(stored.basis)),
            )

    def _on_closed(self, event: ChainEvent) -> None:
        stored = self.jobs.submission(event.job_id)
        if stored is not None:
            self.metrics.settlement_seconds.observe(max(self.clock() - stored.received_at, 0.0))
        self.exchange.forget(event.job_id)
        self.audit.record("job_closed", job=event.job_id, by=event.name, args=event.args)
