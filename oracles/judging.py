"""Judging: the per-job state machine from a stored receipt to a signed verdict.

A receipt is judged once its job's JobAccepted (and, for a receipt committed on
chain, its ReceiptSubmitted) is confirmed: the verdict is stored with the events it
rests on (its basis, which a reorg can undo), signed and pushed to the peers. A
job that closed first becomes MOOT; one whose result cannot be fetched is retried
with backoff, then given up as UNJUDGEABLE; an honest receipt committed on chain is
left to the dispute window (FINALIZE) unless the consumer disputes it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oracles.audit import AuditLog
from oracles.committee import CommitteeView
from oracles.config import OracleConfig
from oracles.crash import crash_point
from oracles.errors import OracleError, ResultFetchError
from oracles.job_store import JobStore, StoredVerdict, VerdictState
from oracles.judge import Judge
from oracles.metrics import OracleMetrics
from oracles.signature_exchange import SignatureExchange
from oracles.submission import ReceiptSubmission
from oracles.verdicts import verdict_for
from oracles.watcher import ChainEvent, WatchStore
from protocol.typed_data import Domain, Verdict, verdict_digest
from protocol.wallet import Wallet

__all__ = ["Judging"]


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


class Judging:
    def __init__(
        self,
        *,
        judge: Judge,
        wallet: Wallet,
        domain: Domain,
        jobs: JobStore,
        events: WatchStore,
        committee: CommitteeView,
        exchange: SignatureExchange,
        config: OracleConfig,
        audit: AuditLog,
        metrics: OracleMetrics,
        clock: Callable[[], float],
    ) -> None:
        self.judge = judge
        self.wallet = wallet
        self.domain = domain
        self.jobs = jobs
        self.events = events
        self.committee = committee
        self.exchange = exchange
        self.config = config
        self.audit = audit
        self.metrics = metrics
        self.clock = clock
        self._retry_at: dict[bytes, float] = {}  # job -> earliest next judging attempt
        self._fetch_failing_since: dict[bytes, float] = {}
        self._mismatch_seen: set[bytes] = set()

    def decide_pending(self) -> None:
        """Judge every stored receipt that has no verdict yet (and is ready)."""
        for stored in self.jobs.undecided():
            self.decide(stored.submission)

    def decide(self, submission: ReceiptSubmission) -> None:
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

    def reconsider_optimistic(self) -> None:
        """A disputed on-chain receipt gets no optimistic payout: settle the release."""
        for stored in self.jobs.verdicts_in(VerdictState.FINALIZE):
            disputed = self.events.latest(stored.job_id, "JobDisputed")
            if disputed is None or stored.verdict is None or self.events.is_closed(stored.job_id):
                continue
            verdict = stored.verdict.model_copy(update={"epoch": self.committee.epoch()})
            self.audit.record("dispute_seen", job=stored.job_id, by=disputed.args.get("by"))
            self._sign_and_share(
                stored.job_id, verdict, (*stored.basis, disputed.key), stored.evidence
            )

    def resign(self, stored: StoredVerdict, epoch: int) -> None:
        """Sign the same verdict again under the committee's new epoch."""
        assert stored.verdict is not None
        self.audit.record(
            "verdict_resigned_for_epoch", job=stored.job_id, old=stored.verdict.epoch, new=epoch
        )
        verdict = stored.verdict.model_copy(update={"epoch": epoch})
        self._sign_and_share(stored.job_id, verdict, stored.basis, stored.evidence)

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
