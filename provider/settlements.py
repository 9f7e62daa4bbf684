"""Delivered jobs until they are paid: watch their status, finalize optimistic ones after
the dispute window, pay out the settled ones (one payOut for all of them: settle and
settleBatch only record the outcome) and pull what the escrow owes (one claim covers every
paid job). A job the committee settled with settleAndPayOut is paid already: it is not
paid out again (``job_settled`` says ``paid_out: true``), its pay is in the claim."""

from __future__ import annotations

from protocol.client import Protocol
from protocol.errors import ProtocolError
from protocol.roles import Provider
from protocol.typed_data import CLOSED_STATUSES, JobStatus
from provider.agent_log import AgentLog
from provider.job_pipeline import Delivered

__all__ = ["SettlementWatcher"]


class SettlementWatcher:
    def __init__(self, protocol: Protocol, role: Provider, log: AgentLog) -> None:
        self.protocol = protocol
        self.role = role
        self.log = log
        self.pending: dict[bytes, Delivered] = {}
        self._window: int | None = None

    @property
    def dispute_window(self) -> int:
        if self._window is None:
            self._window = int(self.protocol.contracts.escrow.read("disputeWindow"))
        return self._window

    def follow(self, job: Delivered) -> None:
        self.pending[job.job_id] = job

    def poll(self) -> None:
        settled: list[Delivered] = []
        for jid, job in list(self.pending.items()):
            state = self.protocol.job(jid)
            if state.status == JobStatus.DELIVERED and job.optimistic:
                if self.protocol.now() >= state.delivered_at + self.dispute_window:
                    try:
                        self.role.finalize(job.terms)
                    except ProtocolError as exc:
                        self.log.event("finalize_failed", job=jid, detail=str(exc))
                continue
            if state.status not in CLOSED_STATUSES:
                continue
            del self.pending[jid]
            name = JobStatus(state.status).label.lower()
            self.log.event(
                f"job_{name}", job=jid, fill=job.fill_id, units=state.units, paid_out=state.paid_out
            )
            if state.status == JobStatus.SETTLED and not state.paid_out:
                settled.append(job)
        if settled:
            # Followed again until the payout lands (an RPC failure must not drop the money).
            for job in settled:
                self.pending[job.job_id] = job
            try:
                result = self.role.pay_out([job.terms for job in settled])
                self.log.event(
                    "payout_sent",
                    jobs=result.count,
                    provider_pay=result.provider_pay,
                    gas_used=result.tx.gas_used,
                )
                for job in settled:
                    del self.pending[job.job_id]
            except ProtocolError as exc:
                # Someone else may have paid them out already; the claim below still runs.
                self.log.event("payout_failed", detail=str(exc))
        if self.protocol.claimable(self.role.address) > 0:
            amount, mined = self.role.claim()
            self.log.event("payment_claimed", amount=amount, gas_used=mined.gas_used)
