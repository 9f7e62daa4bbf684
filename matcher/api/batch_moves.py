"""Moving a batch's lines to another provider: the order for them (shared by the retry of
lines a provider answered with errors, routes_orders.py) and the task that moves a batch
whose provider died without answering.

A provider holding an in-progress batch that has no offer left in the book (it stopped
heartbeating, so the book dropped its offers after the heartbeat TTL, or it withdrew them)
will not answer. While the batch's window and attempts allow, every line not answered yet
goes, as one all-or-none market buy at the batch's limit, to a provider that has not
failed the batch (logged as ``RetryBatchLines``, the same command as a line retry). When
no other provider can take them now, the task tries again on its next pass; the batch
expires with its window as before. The dead provider's fill is no longer the batch's:
results it posts later are refused, so it can not deliver them (and an honest agent
commits no receipt for a job whose results the matcher refused).
"""

from __future__ import annotations

import asyncio
import json
import logging

from eth_utils.crypto import keccak

from matcher.batch.batch import Batch
from matcher.batch.line_retry import MAX_BATCH_ATTEMPTS
from matcher.batch.request_file import parse_request_file
from matcher.book.order import OrderKind
from matcher.engine.commands import PlaceOrder, RetryBatchLines
from matcher.errors import MatcherError, NoOfferBelowMaxPrice
from matcher.service import MatcherService, new_id

__all__ = ["move_dead_batches", "retry_order", "watch_dead_batch_providers"]

log = logging.getLogger(__name__)


def retry_order(
    service: MatcherService, batch: Batch, content: bytes, input_file_id: str, failed_by: str
) -> PlaceOrder:
    """An all-or-none market buy for the requests in ``content`` (stored as
    ``input_file_id``) at the batch's limit, without every provider that failed it."""
    requests = parse_request_file(content)
    previous = service.engine.book.order(batch.order_id)
    spec_json = json.dumps(
        {
            "endpoint": batch.endpoint,
            "input_file_id": input_file_id,
            "inputs_hash": "0x" + keccak(content).hex(),
            "kind": "openai-batch",
            "model": requests.model,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return PlaceOrder(
        order_id=new_id("ord_"),
        owner=batch.owner,
        resource=batch.resource,
        kind=OrderKind.MARKET,  # another provider now, or not at all
        units=requests.units(service.catalog.get(batch.resource).unit),
        max_price_wei=previous.max_price_wei,
        spec="0x" + keccak(text=spec_json).hex(),
        all_or_none=True,
        exclude_providers=tuple(sorted({*batch.failed_providers, failed_by.lower()})),
        routing=previous.routing,
    )


def _dead(service: MatcherService) -> list[Batch]:
    """In-progress batches whose provider has no offer in the book, with time and
    attempts left."""
    alive = {o.owner.lower() for o in service.engine.book.offers()}
    now = service.now()
    return [
        b
        for b in service.engine.batches.in_progress()
        if b.provider is not None
        and b.provider.lower() not in alive
        and now < b.expires_at
        and len(b.failed_providers) + 1 < MAX_BATCH_ATTEMPTS
    ]


async def move_dead_batches(service: MatcherService) -> list[str]:
    """Move every batch whose provider died to another provider now; the ids moved."""
    moved = []
    for batch in _dead(service):
        provider = str(batch.provider)
        file_id = batch.retry_input_file_id or batch.input_file_id
        content = await service.file_content(file_id)
        command = RetryBatchLines(
            batch_id=batch.batch_id,
            provider=provider,
            order=retry_order(service, batch, content, file_id, provider),
            input_file_id=file_id,
            answered=(),
        )
        try:
            await service.execute(command, None)
        except NoOfferBelowMaxPrice:
            continue  # nobody else can take it now: try again on the next pass
        log.info("batch %s moved off %s (no live offer)", batch.batch_id, provider)
        moved.append(batch.batch_id)
    return moved


async def watch_dead_batch_providers(service: MatcherService, interval_s: float) -> None:
    """Run ``move_dead_batches`` every ``interval_s`` until cancelled."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await move_dead_batches(service)
        except MatcherError as exc:  # the batch moved on meanwhile: look again next pass
            log.warning("moving dead providers' batches: %s", exc)
