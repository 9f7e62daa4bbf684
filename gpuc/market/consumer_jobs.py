"""A consumer's jobs end to end: publish the spec (and input file) by content address, order
the compute, and get money back from a job that went wrong (refund or non-delivery slash).
Opening matched jobs on chain is the JobOpener's part."""

from __future__ import annotations

from typing import Any, Literal

import httpx

from gpuc.market.job_opener import JobOpener
from protocol.compute.specs import parse_spec
from protocol.compute.units import spec_units
from protocol.documents import publish_document
from protocol.job_spec import canonical_spec, spec_hash
from protocol.matcher_client import MatcherClient, OrderInfo
from protocol.roles import Consumer
from protocol.tx.sender import MinedTx
from protocol.typed_data import JobStatus, JobTerms, job_id

__all__ = ["JobSubmitter", "recover_job"]


class JobSubmitter:
    def __init__(
        self,
        matcher: MatcherClient,
        documents_url: str,
        *,
        opener: JobOpener | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.matcher = matcher
        self.documents_url = documents_url.rstrip("/")
        self.opener = opener
        self._http = http or httpx.Client(timeout=10.0)

    def publish(self, data: bytes) -> str:
        """Store ``data`` in the document store; its 0x keccak256 name."""
        return publish_document(self._http, self.documents_url, data)

    def submit(
        self,
        resource: str,
        spec: dict[str, Any],
        *,
        max_price_wei: int,
        inputs: bytes | None = None,
        kind: Literal["market", "limit"] = "limit",
    ) -> OrderInfo:
        """Publish the job's documents and order it (one provider takes all of it)."""
        parsed = parse_spec(spec)
        if inputs is not None:
            self.publish(inputs)
        self.publish(canonical_spec(parsed.as_json()))
        order = self.matcher.place_order(
            resource,
            units=spec_units(parsed),
            max_price_wei=max_price_wei,
            spec=spec_hash(parsed.as_json()),
            kind=kind,
            all_or_none=True,
        )
        if self.opener is not None:
            self.opener.track_order(order.order_id, max_price_wei)
        return order


def recover_job(consumer: Consumer, terms: JobTerms) -> MinedTx | None:
    """Get the budget of a job that went wrong back, if the escrow allows it now: refund an
    Open job past its accept deadline, slash a provider that accepted and delivered nothing
    by the deadline plus the dispute window. None when neither applies (yet)."""
    escrow = consumer.contracts.escrow
    status = consumer.protocol.job(job_id(terms)).status
    now = consumer.protocol.now()
    if status == JobStatus.OPEN and now > terms.accept_deadline:
        return consumer.refund(terms)
    window = int(escrow.read("disputeWindow"))
    if status == JobStatus.ACCEPTED and now > terms.deadline + window:
        return consumer.sender.send(escrow.tx("slashNonDelivery", terms.as_tuple()))
    return None
