"""A job's life read back from the escrow's events: what happened, when, and the result
hash the provider committed to. The escrow clears a job's slot (delivery time, committed
result) when it settles; its events keep them, so this is where a settled job's result
hash and times come from."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_serializer

from protocol.client import JobRef, Protocol, parse_job_id
from protocol.rpc import rpc_request
from protocol.typed_data import JOB_EVENTS, JobTerms, job_id

__all__ = ["JOB_EVENTS", "JobEvent", "JobHistory", "job_history"]


class JobEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    block_number: int
    timestamp: int
    tx_hash: str
    fields: dict[str, Any]


class JobHistory(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_id: bytes
    events: tuple[JobEvent, ...]

    @field_serializer("job_id")
    def _hex(self, value: bytes) -> str:
        return "0x" + value.hex()

    def first(self, name: str) -> JobEvent | None:
        return next((e for e in self.events if e.name == name), None)

    def time_of(self, name: str) -> int | None:
        found = self.first(name)
        return None if found is None else found.timestamp

    @property
    def result_hash(self) -> bytes | None:
        """The result hash the provider committed on chain (receipt) or the verdict named."""
        for name in ("ReceiptSubmitted", "JobSettled"):
            found = self.first(name)
            if found is not None and any(found.fields["resultHash"]):
                return bytes(found.fields["resultHash"])
        return None


def job_history(protocol: Protocol, job: JobRef) -> JobHistory:
    """Every escrow event of ``job`` since the deployment, with block times."""
    jid = job_id(job) if isinstance(job, JobTerms) else parse_job_id(job)
    escrow = protocol.contracts.escrow
    logs = escrow.logs_of(JOB_EVENTS, topic1="0x" + jid.hex(), from_block=protocol.manifest.block)
    times: dict[str, int] = {}
    events = []
    for name, fields, raw in logs:
        block = str(raw["blockNumber"])
        if block not in times:
            header = rpc_request(protocol.w3, "eth_getBlockByNumber", [block, False], "block")
            times[block] = int(header["timestamp"], 16)
        events.append(
            JobEvent(
                name=name,
                block_number=int(block, 16),
                timestamp=times[block],
                tx_hash=str(raw["transactionHash"]),
                fields=fields,
            )
        )
    return JobHistory(job_id=jid, events=tuple(events))
