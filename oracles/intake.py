"""Intake: what the oracle's HTTP API hands in (oracles.api).

- receipts to judge (POST /receipts): checked without the chain, then against the
  job's on-chain status, stored once per job;
- peers' verdict signatures (POST /signatures): recovered, epoch- and
  membership-checked, stored as votes;
- batch co-signing (POST /batch-signatures): only over this oracle's own signed
  verdicts;
- an ``llm`` session consumer's latest bill (POST /llm/bills): signed by the
  provider that accepted the job; judged against the chain the provider commits
  (a later bill or another chain is the provider's fault, oracles.verify.llm);
- an ``llm`` session consumer's evidence (POST /llm/evidence): once the provider
  committed a receipt on chain, the consumer's signed terms, spec, session URL and
  latest bill let the session be judged though its provider never posted a receipt
  (oracles.llm_evidence);
- what this oracle knows of a job (GET /jobs/{id}).

Whatever is stored sets ``wake`` so the decision loop picks it up at once.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import Any

from oracles.audit import AuditLog
from oracles.committee import CommitteeView
from oracles.errors import (
    BatchRefused,
    ConflictingReceipt,
    InvalidSubmission,
    JobAlreadyClosed,
    JobNotOnChain,
    NotCommitteeMember,
    StaleVerdictEpoch,
)
from oracles.job_store import JobStore, PeerVote, VerdictState
from oracles.llm_evidence import AttestedReceipts, check_evidence
from oracles.llm_judge import ConsumerBills
from oracles.metrics import OracleMetrics
from oracles.submission import ReceiptSubmission, check_submission
from oracles.txmanager import TxManager
from oracles.verdicts import (
    BatchSignature,
    BatchSignatureRequest,
    PeerSignature,
    check_peer_signature,
)
from oracles.watcher import WatchStore
from protocol.client import Protocol
from protocol.llm.bill import SignedBill, verify_bill
from protocol.llm.errors import BillError
from protocol.typed_data import (
    CLOSED_STATUSES,
    JobStatus,
    Receipt,
    VerdictBatch,
    verdict_batch_digest,
)
from protocol.wallet import Wallet
from protocol.wire.llm_evidence import SignedConsumerEvidence

__all__ = ["Intake"]


class Intake:
    def __init__(
        self,
        *,
        chain: Protocol,
        wallet: Wallet,
        kinds: Collection[str],
        jobs: JobStore,
        events: WatchStore,
        committee: CommitteeView,
        txm: TxManager,
        audit: AuditLog,
        metrics: OracleMetrics,
        wake: threading.Event,
        bills: ConsumerBills,
        attested: AttestedReceipts,
    ) -> None:
        self.chain = chain
        self.wallet = wallet
        self.address = wallet.address
        self.domain = chain.domain
        self.escrow = chain.contracts.escrow
        self.kinds = kinds
        self.jobs = jobs
        self.events = events
        self.committee = committee
        self.txm = txm
        self.audit = audit
        self.metrics = metrics
        self._wake = wake
        self.bills = bills
        self.attested = attested

    def accept_submission(self, submission: ReceiptSubmission) -> str:
        """Store a receipt to judge; 'accepted', 'updated' or 'duplicate'."""
        check_submission(submission, self.domain, self.kinds)
        jid = submission.job_id
        status = self.chain.job(jid).status
        if status == JobStatus.NONE:
            raise JobNotOnChain(
                f"the escrow at {self.escrow.address} has no job 0x{jid.hex()}: open it first"
            )
        if status in CLOSED_STATUSES:
            raise JobAlreadyClosed(
                f"job 0x{jid.hex()} is {JobStatus(status).label} already: nothing to judge"
            )
        existing = self.jobs.submission(jid)
        if existing is not None and self._provider_replaces(existing.submission, submission):
            existing = None  # the provider's own receipt (and its URL) is judged instead
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
        self._wake.set()
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
        self._wake.set()
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

    def accept_bill(self, bill: SignedBill) -> str:
        """Keep a session consumer's bill; 'accepted' or 'duplicate' (one as late is
        kept). A release this oracle left to the dispute window is judged again."""
        jid = bill.job_id
        status = self.chain.job(jid).status
        if status in CLOSED_STATUSES:
            raise JobAlreadyClosed(
                f"job 0x{jid.hex()} is {JobStatus(status).label} already: too late for a bill"
            )
        accepted = self.events.latest(jid, "JobAccepted")
        if accepted is None:
            raise JobNotOnChain(f"job 0x{jid.hex()} has no confirmed accept yet: try again soon")
        provider = str(accepted.args["provider"])
        try:
            verify_bill(bill, provider)
        except BillError as exc:
            raise InvalidSubmission(f"the bill proves nothing: {exc}") from None
        return "accepted" if self._keep_bill(bill) else "duplicate"

    def _keep_bill(self, bill: SignedBill) -> bool:
        """Keep a checked bill unless one as late is kept; a release this oracle left
        to the dispute window is judged again with it."""
        jid = bill.job_id
        if not self.bills.put(bill):
            return False
        verdict = self.jobs.verdict(jid)
        reopened = verdict is not None and verdict.state == VerdictState.FINALIZE
        if reopened:
            self.jobs.delete_verdict(jid)
        self.audit.record(
            "consumer_bill_received",
            job=jid,
            seq=bill.seq,
            total_tokens=bill.total_tokens,
            head=bill.head,
            reopened=reopened,
        )
        self._wake.set()
        return True

    def accept_consumer_evidence(self, signed: SignedConsumerEvidence) -> str:
        """Judge an ``llm`` session from its consumer's evidence, the chain's committed
        receipt standing in for the provider's; 'accepted', 'updated', 'bill_accepted'
        (the provider's own receipt is judged; the bill is kept) or 'duplicate'."""
        check_evidence(signed, self.domain, self.kinds)
        evidence = signed.evidence
        jid = evidence.job_id
        state = self.chain.job(jid)
        if state.status == JobStatus.NONE:
            raise JobNotOnChain(
                f"the escrow at {self.escrow.address} has no job 0x{jid.hex()}: open it first"
            )
        if state.status in CLOSED_STATUSES:
            raise JobAlreadyClosed(
                f"job 0x{jid.hex()} is {JobStatus(state.status).label} already: nothing to judge"
            )
        if state.status not in (JobStatus.DELIVERED, JobStatus.DISPUTED):
            raise JobNotOnChain(
                f"job 0x{jid.hex()} is {JobStatus(state.status).label}: its provider has "
                "committed no receipt on chain yet; send the evidence after ReceiptSubmitted"
            )
        accepted = self.events.latest(jid, "JobAccepted")
        if accepted is None:
            raise JobNotOnChain(f"job 0x{jid.hex()} has no confirmed accept yet: try again soon")
        kept_bill = evidence.bill is not None and self._keep_bill(evidence.bill)
        existing = self.jobs.submission(jid)
        if existing is not None and self.attested.get(jid) != existing.submission.receipt:
            return "bill_accepted" if kept_bill else "duplicate"
        receipt = Receipt(
            job_id=jid,
            result_hash=state.committed_result,
            units=state.units,
            started_at=accepted.block_time,
            finished_at=max(state.delivered_at, accepted.block_time),
        )
        submission = ReceiptSubmission(
            terms=evidence.terms,
            receipt=receipt,
            signature=signed.signature,
            result_url=evidence.session_url,
            spec=evidence.spec,
            committed_on_chain=True,
        )
        if existing is not None and (
            existing.submission == submission or self.jobs.verdict(jid) is not None
        ):
            return "bill_accepted" if kept_bill else "duplicate"
        self.attested.put(receipt)
        self.jobs.put_submission(submission)
        self.metrics.receipts_seen.labels(source="consumer").inc()
        self.audit.record(
            "consumer_evidence_received",
            job=jid,
            consumer=evidence.terms.consumer,
            provider=evidence.terms.provider,
            result_hash=receipt.result_hash,
            units=receipt.units,
            result_url=submission.result_url,
            bill_seq=None if evidence.bill is None else evidence.bill.seq,
            chain_status=JobStatus(state.status).label,
            replaced=existing is not None,
        )
        self._wake.set()
        return "updated" if existing is not None else "accepted"

    def _provider_replaces(
        self, existing: ReceiptSubmission, submission: ReceiptSubmission
    ) -> bool:
        """A provider's receipt that matches the chain's commitment replaces a
        consumer's evidence not judged yet (its own session URL is then used)."""
        if self.attested.get(existing.job_id) != existing.receipt:
            return False
        if self.jobs.verdict(existing.job_id) is not None:
            return False
        state = self.chain.job(existing.job_id)
        return (
            submission.committed_on_chain
            and state.committed_result == submission.receipt.result_hash
            and state.units == submission.receipt.units
        )

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
