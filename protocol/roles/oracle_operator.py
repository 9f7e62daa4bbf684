"""An oracle committee member: signs EIP-712 verdicts, combines k of them, settles."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from protocol.client import JobRef, parse_job_id
from protocol.committee_signatures import MemberSignature, combine_signatures
from protocol.errors import InvalidInput
from protocol.roles.base import Role
from protocol.tx.sender import MinedTx
from protocol.typed_data import (
    JobTerms,
    Outcome,
    Verdict,
    VerdictBatch,
    VerdictItem,
    job_id,
    verdict_batch_digest,
    verdict_digest,
)

__all__ = ["CommitteeInfo", "OracleOperator", "SettlementResult"]

_ZERO32 = bytes(32)


class CommitteeInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    epoch: int
    threshold: int
    members: int
    is_member: bool


class SettlementResult(BaseModel):
    """What one settle or settleBatch transaction did, from its events."""

    model_config = ConfigDict(frozen=True)

    settled: tuple[bytes, ...]
    slashed: tuple[bytes, ...]
    skipped: tuple[bytes, ...]
    tx: MinedTx


class OracleOperator(Role):
    """Signs verdicts with this member's key; any member (or anyone) may submit."""

    def committee(self) -> CommitteeInfo:
        committee = self.contracts.committee
        return CommitteeInfo(
            epoch=int(committee.read("epoch")),
            threshold=int(committee.read("threshold")),
            members=int(committee.read("memberCount")),
            is_member=bool(committee.read("isMember", self.address)),
        )

    def is_member(self, address: str) -> bool:
        return bool(self.contracts.committee.read("isMember", address))

    # ------------------------------------------------------------------ build and sign

    def verdict(
        self,
        job: JobRef,
        *,
        outcome: int,
        units: int = 0,
        result_hash: bytes | None = None,
        epoch: int | None = None,
    ) -> Verdict:
        """A verdict under the current epoch. ``result_hash`` defaults to the one the
        provider committed on chain (zero if none)."""
        if outcome not in (Outcome.RELEASE, Outcome.FAULT):
            raise InvalidInput(f"outcome must be 1 (release) or 2 (fault), got {outcome}")
        jid = self._job_id(job)
        if result_hash is None:
            result_hash = self.protocol.job(jid).committed_result
        return Verdict(
            job_id=jid,
            outcome=outcome,
            units=units,
            result_hash=result_hash,
            epoch=self.committee().epoch if epoch is None else epoch,
        )

    def batch(self, items: Iterable[VerdictItem], *, epoch: int | None = None) -> VerdictBatch:
        items = tuple(items)
        if not items:
            raise InvalidInput("a verdict batch needs at least one job")
        return VerdictBatch(items=items, epoch=self.committee().epoch if epoch is None else epoch)

    def sign_verdict(self, verdict: Verdict) -> MemberSignature:
        digest = verdict_digest(self.protocol.domain, verdict)
        return MemberSignature(signer=self.address, signature=self.wallet.sign_digest(digest))

    def sign_batch(self, batch: VerdictBatch) -> MemberSignature:
        digest = verdict_batch_digest(self.protocol.domain, batch)
        return MemberSignature(signer=self.address, signature=self.wallet.sign_digest(digest))

    def combine(self, digest: bytes, signatures: Iterable[MemberSignature]) -> bytes:
        """k of n member signatures, checked and ordered for the contract."""
        return combine_signatures(
            digest,
            signatures,
            threshold=self.committee().threshold,
            is_member=self.is_member,
        )

    def combine_verdict(self, verdict: Verdict, signatures: Iterable[MemberSignature]) -> bytes:
        return self.combine(verdict_digest(self.protocol.domain, verdict), signatures)

    def combine_batch(self, batch: VerdictBatch, signatures: Iterable[MemberSignature]) -> bytes:
        return self.combine(verdict_batch_digest(self.protocol.domain, batch), signatures)

    # ------------------------------------------------------------------ submit

    def settle(
        self, job: JobRef, verdict: Verdict, signatures: bytes, *, pay_out: bool = False
    ) -> SettlementResult:
        """Settle one job with k signatures. ``pay_out``: a release is also paid out in the
        same transaction (settleAndPayOut: no separate payOut for this job)."""
        terms = self.terms(job)
        verdict_tuple = (
            verdict.job_id,
            verdict.outcome,
            verdict.units,
            verdict.result_hash,
            verdict.epoch,
        )
        escrow = self.contracts.escrow
        method = "settleAndPayOut" if pay_out else "settle"
        mined = self.sender.send(escrow.tx(method, terms.as_tuple(), verdict_tuple, signatures))
        return self._result(mined)

    def settle_batch(
        self, entries: Sequence[tuple[JobRef, VerdictItem]], epoch: int, signatures: bytes
    ) -> SettlementResult:
        """Settle many jobs under one set of signatures over the batch (same order)."""
        if not entries:
            raise InvalidInput("settle_batch needs at least one entry")
        settlements = [
            (
                self.terms(job).as_tuple(),
                (item.job_id, item.outcome, item.units, item.result_hash),
            )
            for job, item in entries
        ]
        escrow = self.contracts.escrow
        mined = self.sender.send(escrow.tx("settleBatch", settlements, epoch, signatures))
        return self._result(mined)

    def slash_non_delivery(self, job: JobRef) -> SettlementResult:
        escrow = self.contracts.escrow
        mined = self.sender.send(escrow.tx("slashNonDelivery", self.terms(job).as_tuple()))
        return self._result(mined)

    # ------------------------------------------------------------------ helpers

    def _job_id(self, job: JobRef) -> bytes:
        return job_id(job) if isinstance(job, JobTerms) else parse_job_id(job)

    def _result(self, mined: MinedTx) -> SettlementResult:
        escrow = self.contracts.escrow
        return SettlementResult(
            settled=tuple(bytes(e["jobId"]) for e in escrow.events(mined.receipt, "JobSettled")),
            slashed=tuple(bytes(e["jobId"]) for e in escrow.events(mined.receipt, "JobSlashed")),
            skipped=tuple(
                bytes(e["jobId"]) for e in escrow.events(mined.receipt, "SettlementSkipped")
            ),
            tx=mined,
        )
