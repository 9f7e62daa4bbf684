"""Buy compute in one call: order, open on chain, follow the job, fetch and check the result.

    outcome = buy(consumer, matcher, documents_url, "matmul", spec, max_price_wei=...)

1. The job's documents (canonical spec JSON, input file) go to the document store by
   content address, then an all-or-none order goes to the matcher: a market buy takes the
   best offer now or fails; a limit buy rests until an offer at or below the limit appears.
2. The fill's terms are checked (JobOpener's checks: this consumer, units x price, the
   limit, a live accept deadline) and the budget is locked on chain with a permit, in the
   same transaction as the provider's accept when the provider signed its acceptance
   (it posts it to the matcher; the opener waits a few seconds for it). A job
   another opener of this wallet opened first (``gpuc up`` runs one for its dev consumer)
   is followed, not opened twice.
3. The job is followed on chain (Open, Accepted, Delivered, Settled...) with a progress
   callback that says what it waits for and until when (``waiting_for``).
4. When it settles, the result is fetched from the document store by the hash the job's
   settlement names and re-hashed; the outcome says what the provider was paid and what
   came back to the consumer (change). Slashed and refunded jobs say so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_serializer

from gpuc.errors import GpucError
from gpuc.market.consumer_jobs import JobSubmitter, recover_job
from gpuc.market.image_upload import attach_image_archive
from gpuc.market.job_opener import JobOpener
from protocol.amounts import format_units
from protocol.documents import DocumentError, fetch_document
from protocol.job_history import JobHistory, job_history
from protocol.matcher_client import FillView, MatcherClient, OrderView
from protocol.roles import Consumer
from protocol.typed_data import CLOSED_STATUSES, JobStatus, JobTerms, job_id

__all__ = ["BuyFailed", "BuyOutcome", "buy", "fetch_result", "waiting_for"]

Step = Callable[[str, dict[str, Any]], None]


class BuyFailed(GpucError):
    """The buy stopped before a result; the message says where and what to do next."""


class BuyOutcome(BaseModel):
    """What one buy did and cost. Amounts are GPUC wei."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    fill_id: str
    job_id: bytes
    provider: str
    units: int
    price_per_unit_wei: int
    budget_wei: int
    status: str
    provider_pay_wei: int = 0
    change_wei: int = 0  # budget coming back to the consumer (plus compensation if slashed)
    fee_wei: int = 0
    compensation_wei: int = 0
    result_hash: bytes | None = None
    result_url: str | None = None
    result: bytes | None = Field(default=None, exclude=True)
    opened_here: bool
    seconds: float

    @field_serializer("job_id", "result_hash")
    def _hex(self, value: bytes | None) -> str | None:
        return None if value is None else "0x" + value.hex()


def waiting_for(status: int, terms: JobTerms, now: int, dispute_window: int) -> str:
    """What a job in ``status`` waits for, by when, and what the consumer can do if it
    never comes (pure: for progress lines and `gpuc job status`)."""
    if status == JobStatus.OPEN:
        left = terms.accept_deadline - now
        if left >= 0:
            return (
                f"provider {terms.provider} to accept within {left} s; it first fetches the "
                f"spec 0x{terms.spec.hex()} from the document store and refuses the job if "
                "the spec (or its input file) is not there"
            )
        return (
            "nothing: the provider did not accept in time; `gpuc job refund JOB` returns the budget"
        )
    if status == JobStatus.ACCEPTED:
        left = terms.deadline - now
        if left >= 0:
            return f"the provider's result, due within {left} s"
        slash_at = terms.deadline + dispute_window - now
        if slash_at > 0:
            return (
                f"nothing was delivered by the deadline; a non-delivery slash opens in {slash_at} s"
            )
        return "nothing was delivered: a non-delivery slash returns the budget plus compensation"
    if status == JobStatus.DELIVERED:
        return "the oracle committee's verdict, or the end of the dispute window"
    if status == JobStatus.DISPUTED:
        return "the oracle committee's verdict on the dispute"
    return "nothing: the job is closed"


def buy(
    consumer: Consumer,
    matcher: MatcherClient,
    documents_url: str,
    resource: str,
    spec: dict[str, Any],
    *,
    max_price_wei: int,
    inputs: bytes | None = None,
    image_archive: Path | None = None,
    kind: Literal["market", "limit"] = "market",
    fill_timeout: float = 600.0,
    job_timeout: float = 900.0,
    on_step: Step | None = None,
    http: httpx.Client | None = None,
    poll_s: float = 0.5,
) -> BuyOutcome:
    """Order ``spec`` on ``resource`` at no more than ``max_price_wei`` per unit, open it on
    chain, wait until it closes and fetch its result (see the module doc)."""
    step = on_step or (lambda name, fields: None)
    started = time.monotonic()
    client = http or httpx.Client(timeout=10.0)
    opener = JobOpener(consumer, matcher, scan_offers=False)
    submitter = JobSubmitter(matcher, documents_url, opener=opener, http=client)
    step("uploading", {"documents": documents_url})
    if image_archive is not None:  # a container job's own image: chunked upload
        spec = attach_image_archive(client, documents_url, spec, image_archive)
        step("image uploaded", {"image": spec["image"], "archive": spec["image_archive"]})
    order = submitter.submit(resource, spec, max_price_wei=max_price_wei, inputs=inputs, kind=kind)
    step("ordered", {"order": order.order_id, "kind": kind, "status": order.status})
    fill = _first_fill(matcher, order, fill_timeout, step, poll_s)
    terms = fill.terms
    step(
        "matched",
        {
            "provider": fill.provider,
            "units": fill.units,
            "price_per_unit": format_units(fill.price_per_unit_wei),
            "budget": format_units(fill.cost_wei),
        },
    )
    opened_here = _open(consumer, opener, fill, step)
    status = _follow(consumer, terms, job_timeout, step, poll_s)
    history = job_history(consumer.protocol, terms)
    outcome = _outcome(order, fill, status, history, opened_here, time.monotonic() - started)
    if status == JobStatus.SETTLED and outcome.result_hash is not None:
        step("fetching result", {"hash": "0x" + outcome.result_hash.hex()})
        data, url = fetch_result(client, [documents_url], outcome.result_hash)
        outcome = outcome.model_copy(update={"result": data, "result_url": url})
    return outcome


def fetch_result(http: httpx.Client, sources: list[str], result_hash: bytes) -> tuple[bytes, str]:
    """The result bytes (re-hashed against ``result_hash``) and where they came from."""
    try:
        return fetch_document(http, sources, result_hash)
    except DocumentError as exc:
        raise BuyFailed(
            f"{exc}; the job is settled and paid, only the copy in the document store is "
            "missing: ask the provider for the result by its hash"
        ) from None


def _first_fill(
    matcher: MatcherClient, order: OrderView, timeout: float, step: Step, poll_s: float
) -> FillView:
    deadline = time.monotonic() + timeout
    said = 0.0
    while not order.fills:
        if order.status != "resting":
            ask = matcher.market(order.resource).price_wei
            raise BuyFailed(
                f"order {order.order_id} ended {order.status} without a fill: no provider sells "
                f"{order.resource} for {order.units} units at or below "
                f"{format_units(order.max_price_wei)} GPUC a unit (the market asks "
                f"{'nothing: no offers' if ask is None else format_units(ask) + ' GPUC'}); "
                "raise --max-price or place a limit buy (--limit) that waits"
            )
        if time.monotonic() > deadline:
            matcher.cancel_order(order.order_id)
            raise BuyFailed(
                f"limit order {order.order_id} found no offer at or below "
                f"{format_units(order.max_price_wei)} GPUC in {timeout:g} s; it was cancelled"
            )
        if time.monotonic() - said > 10:
            ask = matcher.market(order.resource).price_wei
            step(
                "waiting for a price",
                {"limit": format_units(order.max_price_wei),
                 "market": "no offers" if ask is None else format_units(ask)},
            )  # fmt: skip
            said = time.monotonic()
        time.sleep(poll_s)
        order = matcher.order(order.order_id)
    return order.fills[0]


def _open(consumer: Consumer, opener: JobOpener, fill: FillView, step: Step) -> bool:
    """Open the fill's job (in one transaction when the provider signed its acceptance);
    False when another opener of this wallet did it first."""
    opener.wait_opened(fill.fill_id, timeout=opener.acceptance_wait_s + 5)
    if fill.fill_id in opener.opened:
        opened = opener.opened[fill.fill_id]
        step("opened", {"job": "0x" + opened.job_id.hex(), "accepted": opened.one_tx})
        return True
    why = opener.refused.get(fill.fill_id, "the matcher did not list the fill")
    if consumer.protocol.job(job_id(fill.terms)).status != JobStatus.NONE:
        step("opened elsewhere", {"job": "0x" + job_id(fill.terms).hex()})
        return False
    raise BuyFailed(f"fill {fill.fill_id} was not opened on chain: {why}")


def _follow(consumer: Consumer, terms: JobTerms, timeout: float, step: Step, poll_s: float) -> int:
    protocol = consumer.protocol
    window = int(protocol.contracts.escrow.read("disputeWindow"))
    deadline = time.monotonic() + timeout
    last = -1
    while True:
        status = protocol.job(terms).status
        if status != last:
            last = status
            fields = (
                {}
                if status in CLOSED_STATUSES
                else {"waiting for": waiting_for(status, terms, protocol.now(), window)}
            )
            step(JobStatus(status).label, fields)
        if status in CLOSED_STATUSES:
            return status
        recovered = recover_job(consumer, terms)
        if recovered is not None:
            step("recovering", {"tx": recovered.tx_hash})
            continue
        if time.monotonic() > deadline:
            jid = "0x" + job_id(terms).hex()
            raise BuyFailed(
                f"job {jid} is still {JobStatus(status).label} after {timeout:g} s, waiting "
                f"for {waiting_for(status, terms, protocol.now(), window)}; follow it with "
                f"`gpuc job status {jid}`"
            )
        time.sleep(poll_s)


def _outcome(
    order: OrderView,
    fill: FillView,
    status: int,
    history: JobHistory,
    opened_here: bool,
    seconds: float,
) -> BuyOutcome:
    terms = fill.terms
    fields: dict[str, Any] = {}
    settled = history.first("JobSettled")
    slashed = history.first("JobSlashed")
    refunded = history.first("JobRefunded")
    if status == JobStatus.SETTLED and settled is not None:
        fields = {
            "provider_pay_wei": int(settled.fields["providerPay"]),
            "change_wei": int(settled.fields["consumerRefund"]),
            "fee_wei": int(settled.fields["fee"]) + int(settled.fields["burn"]),
        }
    elif status == JobStatus.SLASHED and slashed is not None:
        compensation = int(slashed.fields["compensation"])
        fields = {"change_wei": terms.budget + compensation, "compensation_wei": compensation}
    elif status == JobStatus.REFUNDED and refunded is not None:
        fields = {"change_wei": int(refunded.fields["amount"])}
    return BuyOutcome(
        order_id=order.order_id,
        fill_id=fill.fill_id,
        job_id=job_id(terms),
        provider=terms.provider,
        units=fill.units,
        price_per_unit_wei=terms.price_per_unit,
        budget_wei=terms.budget,
        status=JobStatus(status).label,
        result_hash=history.result_hash,
        opened_here=opened_here,
        seconds=round(seconds, 1),
        **fields,
    )
