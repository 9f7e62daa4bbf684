"""Recent jobs rebuilt from escrow events: state and what settlement moved.

Pure: it is fed decoded event arguments in chain order. A job's state only moves
forward (design.md invariant 4), so an event seen twice changes nothing, and a job
settles once, so its amounts are set, never added up. A release's amounts come from
JobSettled (what it pays); JobPaidOut, later, marks them credited (``paid_out``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from matcher.dashboard.errors import InvalidDashboardSetting
from matcher.dashboard.models import JobRow, JobStatusName
from protocol.typed_data import JOB_EVENTS, JobStatus

ESCROW_EVENTS = JOB_EVENTS  # the events the ledger folds, in lifecycle order


def _rank(status: JobStatusName) -> int:
    """How far along the job is: the escrow's status code, every closed status equal."""
    code = JobStatus[status.upper()]
    return int(JobStatus.SETTLED if code.closed else code)


@dataclass(slots=True)
class _Job:
    job_id: str
    consumer: str
    provider: str
    budget: int
    price_per_unit: int
    opened_block: int
    status: JobStatusName = "Open"
    units: int | None = None
    paid: int = 0
    returned: int = 0
    slashed: int = 0
    paid_out: bool = False
    updated_block: int = 0
    result_hash: str | None = None

    def move(self, status: JobStatusName, block: int) -> bool:
        if _rank(status) <= _rank(self.status):
            return False
        self.status = status
        self.updated_block = block
        return True


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return str(value).lower()


class JobLedger:
    """The last ``capacity`` jobs opened, newest first when listed."""

    def __init__(self, capacity: int = 100) -> None:
        if capacity < 1:
            raise InvalidDashboardSetting(f"job ledger capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self.opened = 0

    def __len__(self) -> int:
        return len(self._jobs)

    def clear(self) -> None:
        self._jobs.clear()
        self.opened = 0

    def apply(self, event: str, args: Mapping[str, Any], block: int) -> None:
        """One decoded escrow event; events of jobs not tracked (older) are ignored."""
        jid = _hex(args["jobId"])
        if event == "JobOpened":
            if jid not in self._jobs:
                self._open(jid, args["terms"], block)
            return
        job = self._jobs.get(jid)
        if job is None:
            return
        if event == "JobAccepted":
            job.move("Accepted", block)
        elif event == "ReceiptSubmitted":
            if job.move("Delivered", block):
                job.units = int(args["units"])
                job.result_hash = _hex(args["resultHash"])
        elif event == "JobDisputed":
            job.move("Disputed", block)
        elif event == "JobSettled" and job.move("Settled", block):
            job.units = int(args["units"])
            job.paid = int(args["providerPay"])
            job.returned = int(args["consumerRefund"])
        elif event == "JobSlashed" and job.move("Slashed", block):
            job.returned = job.budget + int(args["compensation"])
            job.slashed = int(args["slashed"])
        elif event == "JobRefunded" and job.move("Refunded", block):
            job.returned = int(args["amount"])
        elif event == "JobPaidOut" and job.status == "Settled" and not job.paid_out:
            job.paid_out = True
            job.updated_block = block

    def _open(self, jid: str, terms: Mapping[str, Any], block: int) -> None:
        self._jobs[jid] = _Job(
            job_id=jid,
            consumer=str(terms["consumer"]),
            provider=str(terms["provider"]),
            budget=int(terms["budget"]),
            price_per_unit=int(terms["pricePerUnit"]),
            opened_block=block,
            updated_block=block,
        )
        self.opened += 1
        while len(self._jobs) > self.capacity:
            self._jobs.popitem(last=False)

    def participants(self) -> list[str]:
        """Consumers and providers of tracked jobs, newest job first, no repeats."""
        seen: dict[str, None] = {}
        for job in reversed(self._jobs.values()):
            seen.setdefault(job.consumer, None)
            seen.setdefault(job.provider, None)
        return list(seen)

    def rows(self, limit: int | None = None) -> list[JobRow]:
        jobs = list(reversed(self._jobs.values()))[:limit]
        return [
            JobRow(
                job_id=j.job_id,
                consumer=j.consumer,
                provider=j.provider,
                status=j.status,
                budget_wei=j.budget,
                price_per_unit_wei=j.price_per_unit,
                units=j.units,
                paid_wei=j.paid,
                returned_wei=j.returned,
                slashed_wei=j.slashed,
                paid_out=j.paid_out,
                opened_block=j.opened_block,
                updated_block=j.updated_block,
                result_hash=j.result_hash,
            )
            for j in jobs
        ]
