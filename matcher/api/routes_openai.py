"""The OpenAI Batch API, wire-compatible: /v1/files and /v1/batches.

A batch is an all-or-none limit buy of the batch's units: it stays `validating`
while the market price is above `metadata.max_price_wei`, goes `in_progress` when it
fills, and `completed` when the provider has returned every response.
"""

from __future__ import annotations

import json
from typing import Annotated

from eth_utils.crypto import keccak
from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile

from matcher.api.dependencies import KeyOwner, Service
from matcher.api.errors import ERROR_RESPONSES
from matcher.api.openai_schemas import (
    MAX_METADATA_KEYS,
    BatchList,
    BatchObject,
    CreateBatchRequest,
    FileObject,
)
from matcher.batch.request_file import parse_request_file
from matcher.book.order import OrderKind
from matcher.engine.commands import CancelBatch, CreateBatch, PlaceOrder
from matcher.errors import InvalidField, PayloadTooLarge
from matcher.service import MatcherService, new_id
from matcher.storage.store import FileRow
from protocol.pricing import MAX_PRICE_PER_UNIT_WEI
from protocol.reputation.routing import RoutingPreference
from protocol.wire_ints import parse_ascii_uint

router = APIRouter(prefix="/v1", tags=["openai-batch"], responses=ERROR_RESPONSES)
FileId = Annotated[str, Path(min_length=1, max_length=64)]
BatchId = Annotated[str, Path(min_length=1, max_length=64)]
PRICE_KEY = "max_price_wei"


@router.post("/files", summary="Upload a batch input file (JSONL)")
async def upload_file(
    service: Service,
    owner: KeyOwner,
    file: Annotated[UploadFile, File(description="JSONL, one request per line")],
    purpose: Annotated[str, Form(max_length=32)],
) -> FileObject:
    if purpose != "batch":
        raise InvalidField(f'purpose must be "batch", got {purpose!r}', field="purpose")
    limit = service.settings.max_file_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"the file is larger than {limit} bytes", field="file")
    requests = parse_request_file(content)  # bad lines are the batch's errors, later
    if requests.model is not None:
        service.catalog.get(requests.model, field="file")
    row = FileRow(
        new_id("file-"),
        owner,
        purpose,
        (file.filename or "input.jsonl")[:256],
        len(content),
        int(service.now()),
        content,
    )
    await service.store_file(row)
    return FileObject.of(row)


@router.get("/files/{file_id}", summary="File metadata")
async def get_file(file_id: FileId, service: Service, owner: KeyOwner) -> FileObject:
    return FileObject.of(service.file(file_id, owner))


@router.get(
    "/files/{file_id}/content",
    summary="File content",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
async def get_file_content(file_id: FileId, service: Service, owner: KeyOwner) -> Response:
    service.file(file_id, owner)
    return Response(await service.file_content(file_id), media_type="application/octet-stream")


def _max_price(metadata: dict[str, str] | None) -> int:
    if metadata is None or PRICE_KEY not in metadata:
        raise InvalidField(
            f"metadata.{PRICE_KEY} must give the limit price per unit in GPUC wei",
            field=f"metadata.{PRICE_KEY}",
        )
    if len(metadata) > MAX_METADATA_KEYS:
        raise InvalidField(f"metadata has more than {MAX_METADATA_KEYS} keys", field="metadata")
    text = metadata[PRICE_KEY]
    value = parse_ascii_uint(text)
    if value is None or not 0 < value <= MAX_PRICE_PER_UNIT_WEI:
        raise InvalidField(
            f"metadata.{PRICE_KEY} must be an integer in ASCII decimal between 1 and"
            f" {MAX_PRICE_PER_UNIT_WEI}, got {text!r}",
            field=f"metadata.{PRICE_KEY}",
        )
    return value


def _check_on_offer(service: MatcherService, resource_id: str) -> None:
    """A batch for a model no provider offers would wait forever: refuse it now."""
    book = service.engine.book
    if book.book(resource_id).offers.count > 0:
        return
    offered = sorted({o.resource for o in book.offers()})
    on_offer = ", ".join(offered) if offered else "none at the moment"
    raise InvalidField(
        f"no provider offers {resource_id!r}; models on offer: {on_offer}",
        field="input_file_id",
    )


ROUTING_KEYS = ("min_reputation", "reliability")


def _routing(metadata: dict[str, str] | None) -> RoutingPreference | None:
    """Optional metadata.min_reputation and metadata.reliability (0 to 1): route the batch
    by reputation (docs/reputation.md); neither given: cheapest first."""
    given: dict[str, float] = {}
    for key in ROUTING_KEYS:
        if metadata is None or key not in metadata:
            continue
        text = metadata[key]
        try:
            value = float(text) if len(text) <= 20 else float("nan")
        except ValueError:
            value = float("nan")
        if not 0.0 <= value <= 1.0:
            raise InvalidField(
                f"metadata.{key} must be a number between 0 and 1, got {text!r}",
                field=f"metadata.{key}",
            )
        given[key] = value
    if not given:
        return None
    return RoutingPreference(
        min_reputation=given.get("min_reputation", 0.0),
        reliability=given.get("reliability", 0.0),
    )


@router.post("/batches", summary="Create a batch: a limit buy priced by metadata.max_price_wei")
async def create_batch(body: CreateBatchRequest, service: Service, owner: KeyOwner) -> BatchObject:
    max_price = _max_price(body.metadata)
    routing = _routing(body.metadata)
    row = service.file(body.input_file_id, owner)
    if row.purpose != "batch":
        raise InvalidField(f"file {row.id} is not a batch input file", field="input_file_id")
    content = await service.file_content(row.id)
    requests = parse_request_file(content)
    errors = [e.as_dict() for e in requests.errors]
    if requests.url is not None and requests.url != body.endpoint:
        raise InvalidField(
            f"the file's requests go to {requests.url}, not {body.endpoint}", field="endpoint"
        )
    if requests.model is None:  # no good line: the batch fails with the lines' errors
        resource = service.catalog.get(service.catalog.ids()[0])
        model = ""
    else:
        resource = service.catalog.get(requests.model, field="input_file_id")
        model = requests.model
        if not errors:
            _check_on_offer(service, resource.id)
    spec_json = json.dumps(
        {
            "endpoint": body.endpoint,
            "input_file_id": row.id,
            "inputs_hash": "0x" + keccak(content).hex(),
            "kind": "openai-batch",
            "model": model,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    order = PlaceOrder(
        order_id=new_id("ord_"),
        owner=owner,
        resource=resource.id,
        kind=OrderKind.LIMIT,
        units=max(1, requests.units(resource.unit)),
        max_price_wei=max_price,
        spec="0x" + keccak(text=spec_json).hex(),
        all_or_none=True,
        routing=routing,
    )
    command = CreateBatch(
        batch_id=new_id("batch_"),
        order=order,
        input_file_id=row.id,
        endpoint=body.endpoint,
        completion_window=body.completion_window,
        completion_window_s=float(int(body.completion_window[:-1]) * 3600),
        metadata=body.metadata or {},
        total_requests=len(requests.requests) + len(requests.errors),
        errors=errors,
    )
    applied = await service.execute(command, None)
    assert applied.batch is not None
    return BatchObject.of(applied.batch, service.engine)


@router.get("/batches/{batch_id}", summary="A batch")
async def get_batch(batch_id: BatchId, service: Service, owner: KeyOwner) -> BatchObject:
    return BatchObject.of(service.engine.batches.owned(batch_id, owner), service.engine)


@router.get("/batches", summary="Your batches, newest first")
async def list_batches(
    service: Service,
    owner: KeyOwner,
    after: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> BatchList:
    batches = service.engine.batches.list_for(owner)
    if after is not None:
        ids = [b.batch_id for b in batches]
        batches = batches[ids.index(after) + 1 :] if after in ids else []
    page = batches[:limit]
    return BatchList(
        data=[BatchObject.of(b, service.engine) for b in page],
        first_id=page[0].batch_id if page else None,
        last_id=page[-1].batch_id if page else None,
        has_more=len(batches) > limit,
    )


@router.post("/batches/{batch_id}/cancel", summary="Cancel a batch")
async def cancel_batch(batch_id: BatchId, service: Service, owner: KeyOwner) -> BatchObject:
    applied = await service.execute(CancelBatch(batch_id=batch_id, owner=owner), None)
    assert applied.batch is not None
    return BatchObject.of(applied.batch, service.engine)
