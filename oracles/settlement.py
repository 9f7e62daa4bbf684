"""Turn verdicts that hold k matching signatures into settle / settleBatch transactions,
when it is this member's turn (oracles.submitter), through the transaction manager.

A release settled in a transaction of its own uses settleAndPayOut (config
``settle_and_pay_out``, default on): the provider's pay is credited in the same
transaction, so nobody sends a payOut for it. Batches keep settleBatch (their payOut,
batched by the provider, costs less per job than one payout each).

A job's verdict row reserves the transaction's key before it is signed, so one job
never rides in two transactions of this member: a crash between the reservation
and the stored intent leaves a key without intent, which drop_unsent_reservations()
frees at start; a crash after it finds the intent by its key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict, Field

from oracles.audit import AuditLog
from oracles.committee import CommitteeView
from oracles.config import OracleConfig
from oracles.job_store import JobStore, StoredVerdict, VerdictState
from oracles.metrics import OracleMetrics
from oracles.signature_exchange import SignatureExchange
from oracles.submitter import submit_at
from oracles.txmanager import TxIntent, TxManager, TxStatus
from oracles.verdicts import BatchSignatureRequest
from oracles.watcher import WatchStore
from protocol.client import Protocol
from protocol.committee_signatures import MemberSignature, combine_signatures
from protocol.contract_errors import FutureEpoch, InsufficientSignatures, UnknownSigner
from protocol.errors import ContractError, SignatureError
from protocol.tx.request import TxRequest
from protocol.typed_data import CLOSED_STATUSES, Outcome, VerdictBatch, verdict_batch_digest
from protocol.wallet import Wallet

__all__ = ["SettlementConfig", "Settler", "single_settle_method"]

_REFUSED_RETRY = 5.0  # seconds before trying a settlement the escrow refused again


def single_settle_method(outcome: int, *, pay_out: bool) -> str:
    """The escrow method for one job settled in a transaction of its own: a release is also
    paid out (settleAndPayOut: one transaction instead of settle + the provider's payOut)
    when ``pay_out``; a fault pays nothing out, so it settles."""
    if pay_out and outcome == Outcome.RELEASE:
        return "settleAndPayOut"
    return "settle"


class SettlementConfig(BaseModel):
    """What the settler needs of the oracle's configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    members: tuple[str, ...]  # the committee, for the submission rotation
    fallback_after: float = Field(ge=0)
    batch_max: int = Field(ge=1)
    batch_wait: float = Field(ge=0)
    # A release settled in a transaction of its own also pays out (settleAndPayOut).
    settle_and_pay_out: bool = True

    @classmethod
    def of(cls, config: OracleConfig, members: Sequence[str]) -> SettlementConfig:
        return cls(
            members=tuple(members),
            fallback_after=config.fallback_after,
            batch_max=config.batch_max,
            batch_wait=config.batch_wait,
            settle_and_pay_out=config.settle_and_pay_out,
        )


class Settler:
    """Sends settlements; verdicts that must be signed again under a new committee
    epoch are handed back by settle_ready() for the judging side to re-sign."""

    def __init__(
        self,
        config: SettlementConfig,
        *,
        chain: Protocol,
        wallet: Wallet,
        committee: CommitteeView,
        jobs: JobStore,
        events: WatchStore,
        txm: TxManager,
        exchange: SignatureExchange,
        audit: AuditLog,
        metrics: OracleMetrics,
        clock: Callable[[], float],
    ) -> None:
        self.config = config
        self.chain = chain
        self.escrow = chain.contracts.escrow
        self.domain = chain.domain
        self.wallet = wallet
        self.address = wallet.address
        self.committee = committee
        self.jobs = jobs
        self.events = events  # the watcher's confirmed events: a job's confirmed end
        self.txm = txm
        self.exchange = exchange
        self.audit = audit
        self.metrics = metrics
        self.clock = clock
        self._retry_at: dict[bytes, float] = {}

    @property
    def members(self) -> list[str]:
        """The submission rotation: the configured members plus every peer found since
        (a member that joined later takes its turn once this oracle knows it)."""
        found = {m.lower(): m for m in self.config.members}
        for peer in self.exchange.peers.peers:
            found.setdefault(peer.address.lower(), peer.address)
        return sorted(found.values(), key=str.lower)

    def _still_open(self, job_id: bytes) -> bool:
        """The chain's latest state says the job has not ended."""
        return self.chain.job(job_id).status not in CLOSED_STATUSES

    def settle_ready(self) -> list[tuple[StoredVerdict, int]]:
        """Send what is due; returns the verdicts to sign again under the epoch given
        (their signatures can no longer settle as they are)."""
        now = self.clock()
        epoch = self.committee.epoch()
        threshold = self.committee.threshold()
        ready: list[tuple[StoredVerdict, list[MemberSignature]]] = []
        resign: list[tuple[StoredVerdict, int]] = []
        oldest_due = float("inf")
        for stored in self.jobs.verdicts_in(VerdictState.SIGNED):
            jid = stored.job_id
            if stored.tx_key is not None or now < self._retry_at.get(jid, 0.0):
                continue
            if stored.verdict is None or stored.digest is None or stored.signature is None:
                continue
            if self.events.is_closed(jid):
                continue
            signatures = self._matching_signatures(stored)
            if stored.verdict.epoch != epoch:
                # The committee accepts a verdict of an earlier epoch while its signers are
                # members and meet today's threshold: keep those; re-sign only the verdicts
                # that can no longer settle as they are (peers now sign the current epoch).
                signatures = [s for s in signatures if self.committee.is_member(s.signer)]
                if stored.verdict.epoch > epoch or len(signatures) < threshold:
                    resign.append((stored, epoch))
                    continue
            if len(signatures) < threshold:
                continue
            quorum_at = stored.quorum_at
            if quorum_at is None:
                quorum_at = now
                self.jobs.set_quorum_at(jid, now)
                self.audit.record("quorum_reached", job=jid, signers=[s.signer for s in signatures])
            due = submit_at(self.address, self.members, jid, quorum_at, self.config.fallback_after)
            if now < due:
                continue
            ready.append((stored, signatures))
            oldest_due = min(oldest_due, due)
        # The oldest due settlement waits batch_wait; whatever is due by then joins it.
        if not ready or now < oldest_due + self.config.batch_wait:
            return resign
        if len(ready) == 1:
            self._settle_one(*ready[0])
            return resign
        for start in range(0, len(ready), self.config.batch_max):
            chunk = ready[start : start + self.config.batch_max]
            if len(chunk) == 1 or not self._settle_batch([s for s, _ in chunk], epoch):
                for stored, signatures in chunk:
                    self._settle_one(stored, signatures)
        return resign

    def on_final(self, intent: TxIntent) -> None:
        """A settlement transaction is final: confirmed, or reverted / dropped."""
        jobs = [v.job_id for v in self.jobs.verdicts_with_tx(intent.key)]
        if intent.status == TxStatus.CONFIRMED:
            self.audit.record(
                "settlement_confirmed",
                key=intent.key,
                jobs=jobs,
                tx_hash=intent.mined_hash,
                block=intent.mined_block,
            )
            return
        # Reverted (someone settled first, or the state changed) or dropped: free the jobs
        # that are still open for another try, after a pause; the closed ones are done.
        self.jobs.release_tx(intent.key, tried=True)
        open_jobs = [j for j in jobs if self._still_open(j)]
        for jid in open_jobs:
            self._retry_at[jid] = self.clock() + _REFUSED_RETRY
        self.audit.record(
            "settlement_failed",
            key=intent.key,
            status=intent.status,
            tx_hash=intent.mined_hash,
            error=intent.error,
            still_open=open_jobs,
        )

    def drop_unsent_reservations(self) -> None:
        for key in self.jobs.reserved_tx_keys():
            if self.txm.get(key) is None:
                self.jobs.release_tx(key, tried=False)
                self.audit.record("reservation_dropped", key=key, why="crashed before signing")

    # ------------------------------------------------------------------ steps

    def _matching_signatures(self, stored: StoredVerdict) -> list[MemberSignature]:
        assert stored.digest is not None and stored.signature is not None
        own = MemberSignature(signer=self.address, signature=stored.signature)
        votes = self.jobs.votes(stored.job_id, stored.digest)
        others = [MemberSignature(signer=v.signer, signature=v.signature) for v in votes]
        by_signer = {s.signer: s for s in [*others, own]}
        return list(by_signer.values())

    def _settle_one(self, stored: StoredVerdict, signatures: list[MemberSignature]) -> None:
        verdict = stored.verdict
        submission = self.jobs.submission(stored.job_id)
        assert verdict is not None and stored.digest is not None and submission is not None
        try:
            combined = combine_signatures(
                stored.digest,
                signatures,
                threshold=self.committee.threshold(),
                is_member=self.committee.is_member,
            )
        except SignatureError as exc:
            self._postpone([stored.job_id], "signatures_unusable", exc)
            return
        request = self.escrow.tx(
            single_settle_method(verdict.outcome, pay_out=self.config.settle_and_pay_out),
            submission.submission.terms.as_tuple(),
            (verdict.job_id, verdict.outcome, verdict.units, verdict.result_hash, verdict.epoch),
            combined,
        )
        key = f"settle:0x{stored.job_id.hex()}:{verdict.epoch}:{stored.tx_tries}"
        self._send([stored.job_id], key, request, signers=[s.signer for s in signatures])

    def _settle_batch(self, chunk: list[StoredVerdict], epoch: int) -> bool:
        """Ask peers to co-sign one VerdictBatch; False when k signatures did not come."""
        items = tuple(s.verdict.item() for s in chunk if s.verdict is not None)
        digest = verdict_batch_digest(self.domain, VerdictBatch(items=items, epoch=epoch))
        own = MemberSignature(signer=self.address, signature=self.wallet.sign_digest(digest))
        request = BatchSignatureRequest(items=items, epoch=epoch)
        signatures = [own, *self.exchange.collect_batch(request, digest)]
        threshold = self.committee.threshold()
        if len(signatures) < threshold:
            self.audit.record(
                "batch_short_of_signatures", jobs=[i.job_id for i in items], got=len(signatures)
            )
            return False
        try:
            combined = combine_signatures(
                digest, signatures, threshold=threshold, is_member=self.committee.is_member
            )
        except SignatureError as exc:
            self.audit.record("batch_signatures_unusable", error=str(exc))
            return False
        settlements = []
        for stored, item in zip(chunk, items, strict=True):
            found = self.jobs.submission(stored.job_id)
            assert found is not None
            settlements.append(
                (
                    found.submission.terms.as_tuple(),
                    (item.job_id, item.outcome, item.units, item.result_hash),
                )
            )
        ids = [s.job_id for s in chunk]
        tries = max(s.tx_tries for s in chunk)
        key = f"batch:0x{keccak(b''.join(ids)).hex()[:24]}:{epoch}:{tries}"
        request_tx = self.escrow.tx("settleBatch", settlements, epoch, combined)
        self._send(ids, key, request_tx, signers=[s.signer for s in signatures])
        return True

    def _send(self, jobs: list[bytes], key: str, request: TxRequest, *, signers: list[str]) -> None:
        self.jobs.reserve_tx(jobs, key)
        try:
            intent = self.txm.submit(key, request)
        except ContractError as exc:
            self.jobs.release_tx(key, tried=False)
            if isinstance(exc, UnknownSigner | InsufficientSignatures | FutureEpoch):
                self.committee.refresh(force=True)
            self._postpone(jobs, "settlement_refused", exc)
            return
        except BaseException:
            if self.txm.get(key) is None:
                self.jobs.release_tx(key, tried=False)
            raise
        self.metrics.verdicts_sent.labels(channel="chain").inc()
        self.audit.record(
            "settlement_sent",
            jobs=jobs,
            key=key,
            method=request.label,
            tx_hash=intent.latest.tx_hash,
            nonce=intent.nonce,
            signers=signers,
        )

    def _postpone(self, jobs: list[bytes], why: str, exc: Exception) -> None:
        until = self.clock() + _REFUSED_RETRY
        for jid in jobs:
            self._retry_at[jid] = until
        self.audit.record(why, jobs=jobs, error=type(exc).__name__, detail=str(exc))
