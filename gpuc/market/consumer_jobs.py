"""A consumer's jobs end to end: publish the spec (and input file) by content address, order
the compute, and get money back from a job that went wrong (refund or non-delivery slash).
Opening matched jobs on chain is the JobOpener's part."""

from __future__ import annotations

from typing import Any, Literal

import httpx

from gpuc.market.job_opener import JobOpener, recover_job
from protocol.compute.specs import parse_spec
from protocol.compute.units import spec_units
from protocol.documents import publish_document
from protocol.job_spec import canonical_spec, spec_hash
from protocol.matcher_client import MatcherClient, OrderView
from protocol.reputation.routing import RoutingPreference

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
        routing: RoutingPreference | None = None,
    ) -> OrderView:
        """Publish the job's documents and order it (one provider takes all of it);
        ``routing`` asks for a minimum reputation or a price/reliability preference."""
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
            routing=routing,
        )
        if self.opener is not None:
            self.opener.track_work(
                order.order_id,
                resource=resource,
                units=spec_units(parsed),
                max_price_wei=max_price_wei,
                spec=spec_hash(parsed.as_json()),
                kind=kind,
                routing=routing,
            )
        return order
