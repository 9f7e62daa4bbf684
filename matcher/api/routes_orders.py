"""Consumers: market and limit buys, cancel, status; fills and their job terms."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import BaseModel

from matcher.api.batch_moves import retry_order
from matcher.api.dependencies import Service, SignedBy
from matcher.api.errors import ERROR_RESPONSES
from matcher.api.schemas import fill_view, order_view
from matcher.batch.batch import Batch, BatchStatus
from matcher.batch.line_retry import MAX_BATCH_ATTEMPTS, failed_ids, merge_answers, retry_input
from matcher.batch.output_file import RequestResult, build_result_files
from matcher.batch.request_file import RequestFile, parse_request_file
from matcher.book.order import OrderKind
from matcher.engine.commands import CancelOrder, CompleteBatch, PlaceOrder, RetryBatchLines
from matcher.errors import Conflict, InvalidField, NoOfferBelowMaxPrice, NotOwner
from matcher.service import MatcherService, Signer, new_id
from matcher.storage.store import FileRow
from protocol.wire.matcher import Fill, FillView, OrderView, PlaceOrderRequest

router = APIRouter(prefix="/api/market", tags=["consumers"], responses=ERROR_RESPONSES)
OrderId = Annotated[str, Path(min_length=1, max_length=64)]
FillId = Annotated[str, Path(min_length=1, max_length=80)]


IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,64}$")


@router.post("/orders", status_code=201, summary="Market or limit buy")
async def place_order(
    body: PlaceOrderRequest,
    service: Service,
    signer: SignedBy,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            description="Retry-safe: the same key (per wallet) with the same order returns"
            " the first order (200, Idempotent-Replayed: true) instead of placing another"
        ),
    ] = None,
) -> OrderView:
    """A market buy fills now from the cheapest offers up to `max_price_wei` (the rest is
    dropped) or fails with 409 `no_offer_below_max_price`. A limit buy fills what it can
    and rests until offers at or below its limit appear. Each fill carries the job terms
    to open on chain."""
    if idempotency_key is not None and not IDEMPOTENCY_KEY.match(idempotency_key):
        raise InvalidField(
            "Idempotency-Key must be 1 to 64 printable ASCII characters", field="Idempotency-Key"
        )
    service.catalog.get(body.resource)
    command = PlaceOrder(
        order_id=new_id("ord_"),
        owner=signer.address,
        resource=body.resource,
        kind=OrderKind(body.kind),
        units=body.units,
        max_price_wei=body.max_price_wei,
        spec=body.spec,
        all_or_none=body.all_or_none,
        exclude_providers=tuple(body.exclude_providers),
        routing=body.routing(),
        client_key=idempotency_key,
    )
    applied = await service.execute(command, signer)
    assert applied.order is not None
    if applied.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return order_view(applied.order, service.engine)


@router.get("/orders", summary="Your orders (signed), newest first")
async def my_orders(
    service: Service,
    signer: SignedBy,
    status: Annotated[
        Literal["resting", "filled", "partially_filled", "cancelled"] | None, Query()
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OrderView]:
    orders = [
        o
        for o in reversed(service.engine.orders_of(signer.address))
        if status is None or o.status.value == status
    ]
    return [order_view(o, service.engine) for o in orders[:limit]]


@router.get("/fills", summary="Your fills (signed), as buyer or seller, newest first")
async def my_fills(
    service: Service,
    signer: SignedBy,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[FillView]:
    fills = list(reversed(service.engine.fills_of(signer.address)))[:limit]
    return [fill_view(f, service.engine) for f in fills]


@router.get("/orders/{order_id}", summary="Order status and fills")
async def get_order(order_id: OrderId, service: Service) -> OrderView:
    return order_view(service.engine.book.order(order_id), service.engine)


@router.post("/orders/{order_id}/cancel", summary="Cancel a resting limit buy")
async def cancel_order(order_id: OrderId, service: Service, signer: SignedBy) -> OrderView:
    applied = await service.execute(CancelOrder(order_id=order_id, owner=signer.address), signer)
    assert applied.order is not None
    return order_view(applied.order, service.engine)


@router.get("/fills/{fill_id}", summary="A fill and the job terms to open on chain")
async def get_fill(fill_id: FillId, service: Service) -> FillView:
    return fill_view(service.engine.fill(fill_id), service.engine)


@router.get(
    "/fills/{fill_id}/input",
    summary="The batch requests of a fill (for its provider)",
    response_class=Response,
    responses={200: {"content": {"application/jsonl": {}}}},
)
async def fill_input(fill_id: FillId, service: Service, signer: SignedBy) -> Response:
    fill = service.engine.fill(fill_id)
    if fill.provider.lower() != signer.address.lower():
        raise NotOwner(f"fill {fill_id} is for {fill.provider}, not {signer.address}")
    batch = service.engine.batches.for_order(fill.order_id)
    if batch is None:
        raise Conflict(f"fill {fill_id} is not part of a batch", field="fill_id")
    if batch.status in (BatchStatus.CANCELLING, BatchStatus.CANCELLED):
        raise Conflict(
            f"batch {batch.batch_id} is {batch.status.value}: do not run it", field="fill_id"
        )
    content = await service.file_content(batch.retry_input_file_id or batch.input_file_id)
    return Response(content, media_type="application/jsonl")


class BatchResults(BaseModel):
    results: list[RequestResult]


class ResultsAccepted(BaseModel):
    batch_id: str
    status: str
    output_file_id: str | None
    error_file_id: str | None


async def _retry_failed_lines(
    service: MatcherService,
    batch: Batch,
    fill: Fill,
    signer: Signer,
    requests: RequestFile,
    output: bytes,
    errors: bytes,
) -> ResultsAccepted | None:
    """Lines the provider failed go to another provider that can take them now, while the
    batch's window and attempts allow (matcher/batch/line_retry.py); None: complete the
    batch now (the failed lines in its error file)."""
    failed = failed_ids(errors)
    attempts = len(batch.failed_providers) + 1
    if (
        not failed
        or attempts >= MAX_BATCH_ATTEMPTS
        or service.now() >= batch.expires_at
        or batch.status is not BatchStatus.IN_PROGRESS
        or fill.provider.lower() != signer.address.lower()
    ):
        return None
    content = retry_input(requests, failed)
    now = int(service.now())
    name = f"{batch.batch_id}_retry{attempts}.jsonl"
    row = FileRow(new_id("file-"), batch.owner, "batch", name, len(content), now, content)
    order = retry_order(service, batch, content, row.id, signer.address)
    command = RetryBatchLines(
        batch_id=batch.batch_id,
        provider=signer.address,
        order=order,
        input_file_id=row.id,
        answered=tuple(line for line in output.decode().splitlines() if line.strip()),
    )
    try:
        # Unsigned: a refusal must leave the request's nonce to the CompleteBatch that
        # follows. A replay of this request finds the batch moved on and is refused.
        await service.execute(command, None, files=[row])
    except NoOfferBelowMaxPrice:
        return None  # refused, nothing changed: no other provider can take the lines now
    return ResultsAccepted(
        batch_id=batch.batch_id, status=batch.status.value, output_file_id=None, error_file_id=None
    )


@router.post("/fills/{fill_id}/result", summary="The provider returns a batch's responses")
async def fill_result(
    fill_id: FillId, body: BatchResults, service: Service, signer: SignedBy
) -> ResultsAccepted:
    fill = service.engine.fill(fill_id)
    batch = service.engine.batches.for_order(fill.order_id)
    if batch is None:
        raise Conflict(f"fill {fill_id} is not part of a batch", field="fill_id")
    if fill.provider.lower() in batch.failed_providers:  # its lines went to another provider
        raise Conflict(
            f"batch {batch.batch_id} was moved off {fill.provider}: fill {fill_id} no longer"
            " runs it",
            field="fill_id",
        )
    if batch.status is BatchStatus.CANCELLING:  # cancelled: nothing more is delivered
        command = CompleteBatch(
            batch_id=batch.batch_id,
            provider=signer.address,
            output_file_id=None,
            error_file_id=None,
            completed=0,
            failed=0,
        )
        await service.execute(command, signer)
        return ResultsAccepted(
            batch_id=batch.batch_id,
            status=batch.status.value,
            output_file_id=None,
            error_file_id=None,
        )
    original = parse_request_file(await service.file_content(batch.input_file_id))
    requests = original
    if batch.retry_input_file_id is not None:
        requests = parse_request_file(await service.file_content(batch.retry_input_file_id))
    output, errors, completed, failed = build_result_files(
        batch.batch_id, requests, body.results, provider=signer.address
    )
    retried = await _retry_failed_lines(service, batch, fill, signer, requests, output, errors)
    if retried is not None:
        return retried
    if batch.answered:
        output, errors, completed, failed = merge_answers(original, batch.answered, output, errors)
    now = int(service.now())
    rows = [
        FileRow(new_id("file-"), batch.owner, "batch_output", name, len(data), now, data)
        for name, data in (
            (f"{batch.batch_id}_output.jsonl", output),
            (f"{batch.batch_id}_error.jsonl", errors),
        )
        if data
    ]
    out_id = rows[0].id if output else None
    err_id = rows[-1].id if errors else None
    command = CompleteBatch(
        batch_id=batch.batch_id,
        provider=signer.address,
        output_file_id=out_id,
        error_file_id=err_id,
        completed=completed,
        failed=failed,
    )
    await service.execute(command, signer, files=rows)
    return ResultsAccepted(
        batch_id=batch.batch_id,
        status=batch.status.value,
        output_file_id=out_id,
        error_file_id=err_id,
    )
