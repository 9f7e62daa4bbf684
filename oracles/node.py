"""The oracle's decision loop: watch, judge, sign, exchange, settle, exactly once per job.

Each tick:
  1. the watcher confirms new escrow events (or undoes those a reorg removed, and
     with them any verdict resting on them that was not yet settled:
     oracles.chain_events);
  2. every submitted receipt whose job is confirmed Accepted (and, for a receipt
     committed on chain, whose ReceiptSubmitted is confirmed) is judged once: the
     verdict is stored, signed and pushed to the peers (oracles.judging);
  3. verdicts with k matching member signatures are settled by the member whose
     turn it is (see oracles.submitter), several at once with settleBatch
     (oracles.settlement);
  4. the transaction manager advances what was sent.
The API threads hand work in through oracles.intake and wake the loop. The parts
are built and wired in oracles.service (build_node). Every decision goes to the
audit log with its evidence.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any

from oracles.audit import AuditLog
from oracles.chain_events import ChainEvents
from oracles.committee import CommitteeView
from oracles.config import OracleConfig
from oracles.errors import NotCommitteeMember
from oracles.intake import Intake
from oracles.job_store import JobStore, VerdictState
from oracles.judging import Judging
from oracles.metrics import OracleMetrics
from oracles.settlement import Settler
from oracles.signature_exchange import SignatureExchange
from oracles.txmanager import TxManager
from oracles.watcher import Watcher, WatchUpdate
from protocol.errors import ProtocolError

__all__ = ["OracleNode"]


class OracleNode:
    def __init__(
        self,
        *,
        address: str,
        config: OracleConfig,
        watcher: Watcher,
        chain_events: ChainEvents,
        intake: Intake,
        judging: Judging,
        settler: Settler,
        committee: CommitteeView,
        jobs: JobStore,
        exchange: SignatureExchange,
        txm: TxManager,
        audit: AuditLog,
        metrics: OracleMetrics,
        wake: threading.Event,
    ) -> None:
        self.address = address
        self.config = config
        self.watcher = watcher
        self.chain_events = chain_events
        self.intake = intake
        self.judging = judging
        self.settler = settler
        self.committee = committee
        self.jobs = jobs
        self.exchange = exchange
        self.txm = txm
        self.audit = audit
        self.metrics = metrics
        self._wake = wake
        self._lock = threading.Lock()
        self._health: dict[str, Any] = {"rpc_ok": False, "last_ok": None, "error": None}
        self._last_update: WatchUpdate | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Check membership, resend any transaction a crash left, re-share signatures."""
        if not self.committee.is_member(self.address):
            raise NotCommitteeMember(
                f"{self.address} is not a member of the committee at "
                f"{self.committee.address}: ask its owner to add it, or use a member's keystore"
            )
        self.settler.drop_unsent_reservations()
        self.txm.recover()
        for stored in self.jobs.verdicts_in(VerdictState.SIGNED):
            if not self.chain_events.events.is_closed(stored.job_id):
                self.exchange.share(stored)
        self.audit.record(
            "oracle_started",
            members=self.settler.members,
            confirmations=self.config.confirmations,
            cursor=self.watcher.cursor(),
            escrow=self.settler.escrow.address,
        )

    def run(self, stop: threading.Event) -> None:
        """Tick until ``stop`` is set. Nothing a tick raises ends the loop."""
        backoff = self.config.poll_interval
        while not stop.is_set():
            try:
                self.tick()
            except ProtocolError as exc:
                self._tick_failed(exc, rpc=True)
                backoff = min(max(backoff * 2, 0.5), 5.0)
            except Exception as exc:  # the loop must outlive any one bad job
                self._tick_failed(exc, rpc=False)
                backoff = min(max(backoff * 2, 0.5), 5.0)
            else:
                backoff = self.config.poll_interval
            self._wake.wait(backoff)
            self._wake.clear()
        self.exchange.close()

    def wake(self) -> None:
        self._wake.set()

    def tick(self) -> None:
        update = self.watcher.poll()
        self._last_update = update
        self.chain_events.apply(update)
        self.committee.refresh()
        self.judging.decide_pending()
        self.judging.reconsider_optimistic()
        for stored, epoch in self.settler.settle_ready():
            self.judging.resign(stored, epoch)
        for intent in self.txm.poll():
            self.settler.on_final(intent)
        self.exchange.retry_due()
        with self._lock:
            was_ok = self._health["rpc_ok"]
            self._health.update(rpc_ok=True, last_ok=time.monotonic(), error=None)
        if not was_ok:
            self.audit.record("rpc_ok", head=update.head, cursor=update.cursor)

    def health(self) -> dict[str, Any]:
        with self._lock:
            health = dict(self._health)
        last_ok = health.pop("last_ok")
        age = None if last_ok is None else round(time.monotonic() - last_ok, 3)
        stale_after = max(5.0, 20 * self.config.poll_interval)
        ok = bool(health["rpc_ok"]) and age is not None and age < stale_after
        update = self._last_update
        return {
            "status": "ok" if ok else "degraded",
            "address": self.address,
            "head": None if update is None else update.head,
            "cursor": None if update is None else update.cursor,
            "lag_blocks": None if update is None else update.lag,
            "last_tick_age": age,
            **health,
        }

    # ------------------------------------------------------------------ helpers

    def _tick_failed(self, exc: Exception, *, rpc: bool) -> None:
        with self._lock:
            was_ok = self._health["rpc_ok"]
            last_error = self._health["error"]
            self._health.update(rpc_ok=not rpc and was_ok, error=f"{type(exc).__name__}: {exc}")
        if rpc:
            self.metrics.rpc_errors.inc()
        if rpc and (was_ok or last_error is None):
            self.audit.record("rpc_unreachable", error=type(exc).__name__, detail=str(exc))
        elif not rpc:
            self.audit.record(
                "tick_failed",
                error=type(exc).__name__,
                detail=str(exc),
                where=traceback.format_exc(limit=3).splitlines()[-3:],
            )
