"""The oracle's decision loop: watch, judge, sign, exchange, settle, exactly once per job.

Each tick:
  1. the watcher confirms new escrow events (or undoes those a reorg removed, and
     with them any verdict resting on them that was not yet settled);
  2. every submitted receipt whose job is confirmed Accepted (and, for a receipt
     committed on chain, whose ReceiptSubmitted is confirmed) is judged once: the
     verdict is stored, signed and pushed to the peers;
  3. verdicts with k matching member signatures are settled by the member whose
     turn it is (see oracles.submitter), several at once with settleBatch;
  4. the transaction manager advances what was sent.
The API threads call accept_submission / accept_peer_signature / cosign_batch.
Every decision goes to the audit log with its evidence.
"""

from __future__ import annotations

import secrets
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from oracles.audit import AuditLog
from oracles.committee import CommitteeView
from oracles.config import OracleConfig
from oracles.container_rerun import engine_rerun
from oracles.crash import crash_point
from oracles.db import Database
from oracles.errors import (
    BatchRefused,
    ConflictingReceipt,
    JobAlreadyClosed,
    JobNotOnChain,
    NotCommitteeMember,
    OracleError,
    ResultFetchError,
    StaleVerdictEpoch,
)
from oracles.job_store import JobStore, PeerVote, StoredVerdict, VerdictState
from oracles.judge import Judge
from oracles.metrics import OracleMetrics
from oracles.peers import PeerClient
from oracles.settlement import Settler
from oracles.signature_exchange import SignatureExchange
from oracles.submission import ReceiptSubmission, check_submission
from oracles.txmanager import TxManager, TxStore
from oracles.verdicts import (
    BatchSignature,
    BatchSignatureRequest,
    PeerSignature,
    check_peer_signature,
    verdict_for,
)
from oracles.verify.registry import VerifierRegistry, default_registry
from oracles.watcher import ChainEvent, Watcher, WatchStore, WatchUpdate
from protocol.client import Protocol
from protocol.errors import ProtocolError
from protocol.typed_data import (
    CLOSED_STATUSES,
    JobStatus,
    Verdict,
    VerdictBatch,
    verdict_batch_digest,
    verdict_digest,
)
from protocol.wallet import Wallet

__all__ = ["OracleNode"]

_SECRET_KEY = "verifier_secret"


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


class OracleNode:
    def __init__(
        self,
        *,
        protocol: Protocol,
        wallet: Wallet,
        config: OracleConfig,
        db: Database,
        audit: AuditLog,
        metrics: OracleMetrics,
        registry: VerifierRegistry | None = None,
        peers: PeerClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.protocol = protocol
        self.wallet = wallet
        self.config = config
        self.db = db
        self.audit = audit
        self.metrics = metrics
        self.clock = clock
        self.domain = protocol.domain
        self.escrow = protocol.contracts.escrow
        self.address = wallet.address
        self.events = WatchStore(db)
        self.jobs = JobStore(db)
        start = config.start_block if config.start_block is not None else protocol.manifest.block
        self.watcher = Watcher(
            protocol.w3,
            self.escrow.address,
            self.escrow.abi,
            self.events,
            confirmations=config.confirmations,
            start_block=start,
        )
        self.committee = CommitteeView(protocol.contracts.committee)
        self.txm = TxManager(
            protocol.sender(wallet),
            TxStore(db),
            confirmations=config.tx_confirmations,
            replace_after=config.replace_after,
            fee_bump=config.fee_bump,
            max_fee_per_gas=config.max_fee_per_gas,
            audit=audit,
        )
        self.judge = Judge(
            registry
            or default_registry(
                vectors=config.matmul_vectors,
                container_rerun=engine_rerun(),
                container_rerun_share=config.container_rerun_share,
            ),
            domain=self.domain,
            secret=self._verifier_secret(),
            config=config,
        )
        self.members = sorted({self.address, *(p.address for p in config.peers)})
        self.exchange = SignatureExchange(
            peers or PeerClient(config.peers, timeout=config.peer_timeout),
            self.jobs,
            address=self.address,
            audit=audit,
            metrics=metrics,
            is_closed=self._closed,
        )
        self.settler = Settler(
            escrow=self.escrow,
            domain=self.domain,
            wallet=wallet,
            members=self.members,
            committee=self.committee,
            jobs=self.jobs,
            txm=self.txm,
            exchange=self.exchange,
            config=config,
            audit=audit,
            metrics=metrics,
            clock=clock,
            is_closed=self._closed,
            still_open=lambda jid: self.protocol.job(jid).status not in CLOSED_STATUSES,
            resign=self._resign,
        )
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._retry_at: dict[bytes, float] = {}  # job -> earliest next judging attempt
        self._fetch_failing_since: dict[bytes, float] = {}
        self._mismatch_seen: set[bytes] = set()
        self._health: dict[str, Any] = {"rpc_ok": False, "last_ok": None, "error": None}
        self._last_update: WatchUpdate | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Check membership, resend any transaction a crash left, re-share signatures."""
        if not self.committee.is_member(self.address):
            raise NotCommitteeMember(
                f"{self.address} is not a member of the committee at "
                f"{self.protocol.contracts.committee.address}: ask its owner to add it, "
                "or use a member's keystore"
            )
        self.settler.drop_unsent_reservations()
        self.txm.recover()
        for stored in self.jobs.verdicts_in(VerdictState.SIGNED):
            if not self._closed(stored.job_id):
                self.exchange.share(stored)
        self.audit.record(
            "oracle_started",
            members=self.members,
            confirmations=self.config.confirmations,
            cursor=self.watcher.cursor(),
            escrow=self.escrow.address,
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
        self._on_chain_update(update)
        self.committee.refresh()
        for stored in self.jobs.undecided():
            self._decide(stored.submission)
        self._reconsider_optimistic()
        self.settler.settle_ready()
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

    # ------------------------------------------------------------------ API entry points

    def accept_submission(self, submission: ReceiptSubmission) -> str:
        """Store a receipt to judge; 'accepted', 'updated' or 'duplicate'."""
        check_submission(submission, self.domain, self.judge.kinds)
        jid = submission.job_id
        status = self.protocol.job(jid).status
        if status == JobStatus.NONE:
            raise JobNotOnChain(
                f"the escrow at {self.escrow.address} has no job 0x{jid.hex()}: open it first"
            )
        if status in CLOSED_STATUSES:
            raise JobAlreadyClosed(
                f"job 0x{jid.hex()} is {JobStatus(status).label} already: nothing to judge"
            )
        existing = self.jobs.submission(jid)
        if existing is not None:
            if existing.submission.receipt != submission.receipt:
                raise ConflictingReceipt(
                    f"another receipt for job 0x{jid.hex()} was submitted first (result "
                    f"0x{existing.submission.receipt.result_hash.hex()}); this oracle judges that"
                )
            if existing.submission == submission or self.jobs.verdict(jid) is not None:
                return "duplicate"
        self.jobs.put_submission(submission)
        self.metrics.receipts_seen.labels(source="api").inc()
        self.audit.record(
            "receipt_received",
            job=jid,
            provider=submission.terms.provider,
            result_hash=submission.receipt.result_hash,
            units=submission.receipt.units,
            started_at=submission.receipt.started_at,
            finished_at=submission.receipt.finished_at,
            result_url=submission.result_url,
            committed_on_chain=submission.committed_on_chain,
            chain_status=JobStatus(status).label,
            replaced=existing is not None,
        )
        self.wake()
        return "updated" if existing is not None else "accepted"

    def accept_peer_signature(self, signed: PeerSignature) -> str:
        """Store a member's verdict signature; 'accepted' or 'duplicate'."""
        digest = check_peer_signature(self.domain, signed)
        current = self._current_epoch(signed.verdict.epoch)
        # An earlier epoch is fine (the contract accepts it while the signers are members);
        # an epoch that has not begun is not.
        if signed.verdict.epoch > current:
            raise StaleVerdictEpoch(
                f"verdict signed under epoch {signed.verdict.epoch}, the committee is at "
                f"epoch {current}: sign it again"
            )
        if not self.committee.is_member(signed.signer):
            raise NotCommitteeMember(f"{signed.signer} is not a member of the committee")
        jid = signed.verdict.job_id
        vote = PeerVote(
            signer=signed.signer, signature=signed.signature, digest=digest, verdict=signed.verdict
        )
        if not self.jobs.add_vote(jid, vote):
            return "duplicate"
        own = self.jobs.verdict(jid)
        agrees = None if own is None or own.digest is None else own.digest == digest
        self.audit.record(
            "peer_signature_received" if agrees is not False else "peer_disagrees",
            job=jid,
            signer=signed.signer,
            verdict=signed.verdict,
            digest=digest,
            agrees=agrees,
            own_verdict=None if own is None else own.verdict,
        )
        self.wake()
        return "accepted"

    def cosign_batch(self, request: BatchSignatureRequest) -> BatchSignature:
        """Sign a VerdictBatch whose every item is this oracle's own signed verdict."""
        current = self._current_epoch(request.epoch)
        if request.epoch > current:
            raise StaleVerdictEpoch(f"batch epoch {request.epoch}, the committee is at {current}")
        for item in request.items:
            own = self.jobs.verdict(item.job_id)
            if own is None or own.state != VerdictState.SIGNED or own.verdict is None:
                raise BatchRefused(f"no signed verdict of mine for job 0x{item.job_id.hex()} yet")
            if own.verdict.item() != item:
                raise BatchRefused(
                    f"job 0x{item.job_id.hex()}: my verdict is outcome {own.verdict.outcome}, "
                    f"{own.verdict.units} units; the batch says outcome {item.outcome}, "
                    f"{item.units} units"
                )
        batch = VerdictBatch(items=request.items, epoch=request.epoch)
        signature = self.wallet.sign_digest(verdict_batch_digest(self.domain, batch))
        self.audit.record("batch_cosigned", jobs=[i.job_id for i in request.items])
        return BatchSignature(signer=self.address, signature=signature)

    def _current_epoch(self, claimed: int) -> int:
        """The committee epoch, read afresh when a peer names another one (the cached
        value may be seconds old, and refusing a current signature loses it)."""
        current = self.committee.epoch()
        if claimed != current:
            self.committee.refresh(force=True)
            current = self.committee.epoch()
        return current

    def job_view(self, job_id: bytes) -> dict[str, Any]:
        """What this oracle knows of a job (GET /jobs/{id})."""
        stored = self.jobs.submission(job_id)
        verdict = self.jobs.verdict(job_id)
        intent = None if verdict is None or verdict.tx_key is None else self.txm.get(verdict.tx_key)
        closing = self.events.closing_event(job_id)
        return {
            "job_id": job_id,
            "submission": None if stored is None else stored.submission,
            "verdict": None if verdict is None else verdict.model_dump(exclude={"signature"}),
            "votes": [v.model_dump(exclude={"signature"}) for v in self.jobs.votes(job_id)],
            "tx": None if intent is None else intent.model_dump(exclude={"data", "attempts"}),
            "closed_by": None if closing is None else closing.name,
            "chain_events": [e.name for e in self.events.events_for(job_id)],
        }

    # ------------------------------------------------------------------ chain events

    def _on_chain_update(self, update: WatchUpdate) -> None:
        self._last_update = update
        self.metrics.head.set(update.head)
        self.metrics.cursor.set(update.cursor)
        self.metrics.lag.set(update.lag)
        for event in update.removed:
            self._record_event("chain_event_removed", event)
        if update.removed:
            self._undo(update.removed)
        for event in update.added:
            self._record_event("chain_event", event)
            if event.name == "ReceiptSubmitted":
                self.metrics.receipts_seen.labels(source="chain").inc()
            elif event.name in ("JobSettled", "JobSlashed", "JobRefunded"):
                self._on_closed(event)

    def _record_event(self, what: str, event: ChainEvent) -> None:
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

    def _closed(self, job_id: bytes) -> bool:
        return self.events.closing_event(job_id) is not None

    # ------------------------------------------------------------------ judging

    def _decide(self, submission: ReceiptSubmission) -> None:
        jid = submission.job_id
        now = self.clock()
        if now < self._retry_at.get(jid, 0.0):
            return
        closing = self.events.closing_event(jid)
        if closing is not None:
            self.jobs.put_verdict(
                jid, VerdictState.MOOT, basis=(closing.key,), evidence={"closed_by": closing.name}
            )
            self.audit.record("verdict_moot", job=jid, closed_by=closing.name)
            return
        accepted = self.events.latest(jid, "JobAccepted")
        if accepted is None:
            return  # not accepted yet, or not confirmed yet
        basis = [accepted.key]
        if submission.committed_on_chain:
            committed = self.events.latest(jid, "ReceiptSubmitted")
            if committed is None:
                return  # the on-chain receipt is not confirmed (or a reorg removed it)
            if not self._matches_commitment(submission, committed):
                return
            basis.append(committed.key)
        try:
            report = self.judge.judge(submission, accepted.block_time)
        except ResultFetchError as exc:
            self._fetch_failed(jid, submission, exc)
            return
        except OracleError as exc:
            self.jobs.put_verdict(
                jid,
                VerdictState.UNJUDGEABLE,
                basis=tuple(basis),
                evidence={"error": type(exc).__name__, "detail": str(exc)},
            )
            self.audit.record("cannot_judge", job=jid, error=type(exc).__name__, detail=str(exc))
            return
        self._fetch_failing_since.pop(jid, None)
        outcome = "release" if report.passed else "fault"
        self.metrics.verified.labels(outcome=outcome).inc()
        if not report.passed:
            self.metrics.faults.labels(code=report.failures[0].code.value).inc()
        verdict = verdict_for(report, submission.receipt, self.committee.epoch())
        evidence = {
            "outcome": outcome,
            "failures": [f.model_dump(mode="json") for f in report.failures],
            "facts": report.facts,
            "result_url": submission.result_url,
            "result_hash": _hex(submission.receipt.result_hash),
            "accepted_at": accepted.block_time,
            "accepted_block": accepted.block_number,
        }
        optimistic = (
            submission.committed_on_chain
            and report.passed
            and self.config.optimistic_release == "finalize"
            and self.events.latest(jid, "JobDisputed") is None
        )
        if optimistic:
            self.jobs.put_verdict(
                jid, VerdictState.FINALIZE, verdict=verdict, basis=tuple(basis), evidence=evidence
            )
            self.audit.record(
                "verdict_release_left_to_finalize", job=jid, verdict=verdict, evidence=evidence
            )
            return
        self._sign_and_share(jid, verdict, tuple(basis), evidence)

    def _matches_commitment(self, submission: ReceiptSubmission, committed: ChainEvent) -> bool:
        receipt = submission.receipt
        same = committed.args["resultHash"] == _hex(receipt.result_hash) and int(
            committed.args["units"]
        ) == int(receipt.units)
        if not same and submission.job_id not in self._mismatch_seen:
            self._mismatch_seen.add(submission.job_id)
            self.audit.record(
                "commitment_mismatch",
                job=submission.job_id,
                on_chain={
                    "result_hash": committed.args["resultHash"],
                    "units": committed.args["units"],
                },
                submitted={"result_hash": receipt.result_hash, "units": receipt.units},
                why="the signed receipt is not what the provider committed; waiting for a "
                "submission that matches the commitment",
            )
        return same

    def _fetch_failed(self, jid: bytes, submission: ReceiptSubmission, exc: Exception) -> None:
        now = self.clock()
        since = self._fetch_failing_since.setdefault(jid, now)
        if now - since > self.config.fetch_retry_for:
            self.jobs.put_verdict(
                jid,
                VerdictState.UNJUDGEABLE,
                evidence={"error": type(exc).__name__, "detail": str(exc), "since": since},
            )
            self.audit.record("result_given_up", job=jid, error=type(exc).__name__, detail=str(exc))
            return
        delay = min(max(now - since, 1.0), 15.0)
        self._retry_at[jid] = now + delay
        self.audit.record(
            "result_fetch_failed",
            job=jid,
            url=submission.result_url,
            error=type(exc).__name__,
            detail=str(exc),
            retry_in=round(delay, 1),
        )

    def _sign_and_share(
        self, jid: bytes, verdict: Verdict, basis: tuple[str, ...], evidence: dict[str, Any]
    ) -> None:
        digest = verdict_digest(self.domain, verdict)
        signature = self.wallet.sign_digest(digest)
        self.jobs.put_verdict(
            jid,
            VerdictState.SIGNED,
            verdict=verdict,
            digest=digest,
            signature=signature,
            basis=basis,
            evidence=evidence,
        )
        self.audit.record(
            "verdict_signed",
            job=jid,
            verdict=verdict,
            digest=digest,
            signature=signature,
            evidence=evidence,
        )
        for vote in self.jobs.votes(jid):
            if vote.digest != digest:  # it came before this verdict: note the disagreement now
                self.audit.record(
                    "peer_disagrees",
                    job=jid,
                    signer=vote.signer,
                    verdict=vote.verdict,
                    digest=vote.digest,
                    agrees=False,
                    own_verdict=verdict,
                )
        crash_point("after_verdict_signed")
        stored = self.jobs.verdict(jid)
        if stored is not None:
            self.exchange.share(stored)

    def _reconsider_optimistic(self) -> None:
        """A disputed on-chain receipt gets no optimistic payout: settle the release."""
        for stored in self.jobs.verdicts_in(VerdictState.FINALIZE):
            disputed = self.events.latest(stored.job_id, "JobDisputed")
            if disputed is None or stored.verdict is None or self._closed(stored.job_id):
                continue
            verdict = stored.verdict.model_copy(update={"epoch": self.committee.epoch()})
            self.audit.record("dispute_seen", job=stored.job_id, by=disputed.args.get("by"))
            self._sign_and_share(
                stored.job_id, verdict, (*stored.basis, disputed.key), stored.evidence
            )

    def _resign(self, stored: StoredVerdict, epoch: int) -> None:
        """Sign the same verdict again under the committee's new epoch."""
        assert stored.verdict is not None
        self.audit.record(
            "verdict_resigned_for_epoch", job=stored.job_id, old=stored.verdict.epoch, new=epoch
        )
        verdict = stored.verdict.model_copy(update={"epoch": epoch})
        self._sign_and_share(stored.job_id, verdict, stored.basis, stored.evidence)

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

    def _verifier_secret(self) -> bytes:
        stored = self.db.get_meta(_SECRET_KEY)
        if stored is None:
            stored = secrets.token_hex(32)
            self.db.set_meta(_SECRET_KEY, stored)
        return bytes.fromhex(stored)
