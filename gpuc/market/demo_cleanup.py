"""What an interrupted ``gpuc demo`` leaves behind, closed as far as the escrow allows.

Against a market that keeps running (``gpuc demo --market``), Ctrl-C must not leave the
consumer's money locked in jobs nobody will finish. In this order:

1. the demo's orders still resting in the book are cancelled, and its batches that have
   not completed are cancelled (nothing more fills for it);
2. each job the demo opened that no provider accepted yet is cancelled on chain (the
   budget comes back at once);
3. a job accepted by a provider the demo started (it stops with the demo) is given a
   bounded time to be delivered first; one accepted by the market's own providers is left
   to them (they keep running and deliver it);
4. what the escrow owes the consumer is claimed.

Whatever is still open after that is named with the command that recovers it later.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from pydantic import BaseModel

from gpuc.market.local_market import LocalMarket
from protocol.errors import ProtocolError
from protocol.failover import reclaim_action
from protocol.matcher_client import MatcherClientError
from protocol.roles import Consumer
from protocol.typed_data import JobStatus, JobTerms, job_id

__all__ = ["ClosedJob", "close_demo_leftovers", "close_jobs", "demo_jobs"]


class ClosedJob(BaseModel):
    job: str
    status_before: str
    status_after: str
    action: str  # what was done, or how the budget comes back later


def demo_jobs(market: LocalMarket) -> list[JobTerms]:
    """Every job of the orders this process placed (through its opener), and every fill its
    opener opened (batches included), once each."""
    found: dict[bytes, JobTerms] = {}
    opener = market.opener
    if opener is None:
        return []
    for opened in list(opener.opened.values()):
        found[opened.job_id] = opened.fill.terms
    for work in list(opener.works.values()):
        for order_id in work.orders:
            try:
                fills = market.matcher.order(order_id).fills
            except MatcherClientError:
                continue
            for fill in fills:
                found.setdefault(job_id(fill.terms), fill.terms)
    return list(found.values())


def _wait_left_accepted(
    consumer: Consumer, terms: JobTerms, wait_s: float, clock: Callable[[], float]
) -> int:
    deadline = clock() + wait_s
    status = consumer.protocol.job(job_id(terms)).status
    while status == JobStatus.ACCEPTED and clock() < deadline:
        time.sleep(0.5)
        status = consumer.protocol.job(job_id(terms)).status
    return status


def close_jobs(
    consumer: Consumer,
    jobs: Iterable[JobTerms],
    *,
    stopping_providers: Iterable[str] = (),
    wait_s: float = 30.0,
    clock: Callable[[], float] = time.monotonic,
) -> list[ClosedJob]:
    """Close ``jobs`` as far as each one's state allows now (module docstring, steps 2-4);
    ``stopping_providers`` are the addresses that stop with the caller."""
    stopping = {p.lower() for p in stopping_providers}
    window = int(consumer.contracts.escrow.read("disputeWindow"))
    lines: list[ClosedJob] = []
    for terms in jobs:
        jid = job_id(terms)
        before = consumer.protocol.job(jid).status
        status, action = before, "nothing to do"
        if before == JobStatus.OPEN:
            try:
                consumer.cancel(terms)
                action = "cancelled: the budget is back"
            except ProtocolError as exc:  # accepted meanwhile, or past its accept window
                action = f"not cancelled ({exc})"
            status = consumer.protocol.job(jid).status
        if status == JobStatus.ACCEPTED and terms.provider.lower() in stopping:
            status = _wait_left_accepted(consumer, terms, wait_s, clock)
            action = "delivered before its provider stopped"
        if status == JobStatus.ACCEPTED:
            ref = "0x" + jid.hex()
            if terms.provider.lower() in stopping:
                action = (
                    f"left Accepted by a stopped provider: after its deadline and the dispute"
                    f" window, gpuc oracle slash-non-delivery {ref}"
                )
            else:
                action = "left to its provider, which keeps running and delivers it"
            if (
                reclaim_action(
                    status, terms, chain_now=consumer.protocol.now(), dispute_window=window
                )
                == "slash"
            ):
                consumer.sender.send(
                    consumer.contracts.escrow.tx("slashNonDelivery", terms.as_tuple())
                )
                action = "provider slashed for non-delivery: the budget is back"
                status = consumer.protocol.job(jid).status
        lines.append(
            ClosedJob(
                job="0x" + jid.hex(),
                status_before=JobStatus(before).label,
                status_after=JobStatus(status).label,
                action=action,
            )
        )
    if consumer.protocol.claimable(consumer.address) > 0:
        consumer.claim()
    return lines


def close_demo_leftovers(
    market: LocalMarket, batch_ids: Iterable[str], say: Callable[[str], None]
) -> list[ClosedJob]:
    """Steps 1-4 for what this demo process placed and opened (module docstring)."""
    market.stop_opener()
    opener = market.opener
    if opener is not None:
        for work in list(opener.works.values()):
            for order_id in work.orders:
                try:
                    if market.matcher.order(order_id).status == "resting":
                        market.matcher.cancel_order(order_id)
                        say(f"order {order_id} cancelled")
                except MatcherClientError as exc:
                    say(f"order {order_id}: {exc}")
    if batch_ids:
        import openai

        client = openai.OpenAI(
            base_url=market.matcher_url + "/v1", api_key=market.api_key(), max_retries=0
        )
        for batch_id in batch_ids:
            try:
                if client.batches.retrieve(batch_id).status in ("validating", "in_progress"):
                    client.batches.cancel(batch_id)
                    say(f"batch {batch_id} cancelled")
            except openai.OpenAIError as exc:
                say(f"batch {batch_id}: {exc}")
    stopping = [running.address for running in market.providers.values()]
    return close_jobs(market.consumer, demo_jobs(market), stopping_providers=stopping)
