"""Build a provider's history from the escrow's events: anyone with an RPC endpoint can
recompute a provider's reputation from it (plus the matcher's public uptime figures)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from protocol.client import Protocol, address_topic
from protocol.reputation.history import (
    AcceptSample,
    DeliverySample,
    JobOutcome,
    OutcomeKind,
    ProviderHistory,
    UptimeSample,
)
from protocol.rpc import rpc_request

__all__ = ["SLASH_FAULT", "SLASH_NON_DELIVERY", "provider_history"]

_IDS_PER_QUERY = 200
# IJobEscrow's enums, as the events carry them.
SLASH_FAULT = 0
SLASH_NON_DELIVERY = 1
_REFUND_NOT_ACCEPTED = 1


class _Blocks:
    """Block timestamps, each read once."""

    def __init__(self, protocol: Protocol) -> None:
        self._protocol = protocol
        self._times: dict[int, int] = {}

    def time(self, number: int) -> int:
        if number not in self._times:
            block = rpc_request(
                self._protocol.w3, "eth_getBlockByNumber", [hex(number), False], "block time"
            )
            self._times[number] = int(block["timestamp"], 16)
        return self._times[number]


def _by_ids(
    protocol: Protocol, event: str, ids: list[str], start: int
) -> list[tuple[int, dict[str, Any]]]:
    escrow = protocol.contracts.escrow
    found: list[tuple[int, dict[str, Any]]] = []
    for i in range(0, len(ids), _IDS_PER_QUERY):
        found += escrow.logs_with_blocks(
            event, topics=[ids[i : i + _IDS_PER_QUERY]], from_block=start
        )
    return found


def _hex(job: Any) -> str:
    return "0x" + bytes(job).hex()


def provider_history(
    protocol: Protocol,
    provider: str,
    *,
    uptime: Iterable[UptimeSample] = (),
    from_block: int | None = None,
) -> ProviderHistory:
    """``provider``'s jobs since the deployment (or ``from_block``) and how each ended:
    JobOpened/JobAccepted/ReceiptSubmitted give accept latency and delivery timing;
    JobSettled, JobDisputed, JobSlashed and JobRefunded give the outcomes."""
    escrow = protocol.contracts.escrow
    start = protocol.manifest.block if from_block is None else from_block
    topic = address_topic(provider)
    blocks = _Blocks(protocol)

    opened: dict[str, tuple[int, int]] = {}  # job -> (open time, deadline)
    for block, e in escrow.logs_with_blocks(
        "JobOpened", topics=[None, None, topic], from_block=start
    ):
        opened[_hex(e["jobId"])] = (blocks.time(block), int(e["terms"]["deadline"]))
    ids = sorted(opened)

    accepts: list[AcceptSample] = []
    accepted_at: dict[str, int] = {}
    for block, e in escrow.logs_with_blocks("JobAccepted", topics=[None, topic], from_block=start):
        job = _hex(e["jobId"])
        if job in opened:
            accepted_at[job] = blocks.time(block)
            accepts.append(
                AcceptSample(
                    at=accepted_at[job], latency_s=max(0, accepted_at[job] - opened[job][0])
                )
            )

    deliveries: list[DeliverySample] = []
    for block, e in _by_ids(protocol, "ReceiptSubmitted", ids, start):
        job = _hex(e["jobId"])
        at = blocks.time(block)
        opened_at, deadline = opened[job]
        window = max(1, deadline - opened_at)
        deliveries.append(DeliverySample(at=at, window_used=max(0.0, (at - opened_at) / window)))

    disputed = {_hex(e["jobId"]) for _, e in _by_ids(protocol, "JobDisputed", ids, start)}
    outcomes: list[JobOutcome] = []
    for block, e in _by_ids(protocol, "JobSettled", ids, start):
        job = _hex(e["jobId"])
        kind = OutcomeKind.SETTLED_AFTER_DISPUTE if job in disputed else OutcomeKind.SETTLED
        outcomes.append(JobOutcome(at=blocks.time(block), job_id=job, kind=kind))
    for block, e in escrow.logs_with_blocks("JobSlashed", topics=[None, topic], from_block=start):
        kind = (
            OutcomeKind.SLASHED_FAULT
            if int(e["reason"]) == SLASH_FAULT
            else OutcomeKind.SLASHED_NON_DELIVERY
        )
        outcomes.append(JobOutcome(at=blocks.time(block), job_id=_hex(e["jobId"]), kind=kind))
    for block, e in _by_ids(protocol, "JobRefunded", ids, start):
        # A cancel says nothing about the provider. Escrow v2 has no other refund: a
        # disputed job with no verdict in time is finalized as its receipt said (settled).
        if int(e["reason"]) != _REFUND_NOT_ACCEPTED:
            continue
        outcomes.append(
            JobOutcome(
                at=blocks.time(block), job_id=_hex(e["jobId"]), kind=OutcomeKind.NOT_ACCEPTED
            )
        )

    status = protocol.provider_status(provider)
    return ProviderHistory(
        provider=provider,
        staked=status.total_stake > 0,
        outcomes=tuple(sorted(outcomes, key=lambda o: (o.at, o.job_id))),
        accepts=tuple(accepts),
        deliveries=tuple(deliveries),
        uptime=tuple(uptime),
    )
