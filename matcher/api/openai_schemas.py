"""OpenAI's File and Batch objects, field for field (what the `openai` client parses)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from matcher.batch.batch import Batch
from matcher.engine.engine import Engine
from matcher.storage.store import FileRow

MAX_METADATA_KEYS = 16


class FileObject(BaseModel):
    id: str
    object: Literal["file"] = "file"
    bytes: int
    created_at: int
    filename: str
    purpose: str
    status: Literal["uploaded", "processed", "error"] = "processed"
    status_details: str | None = None
    expires_at: int | None = None

    @classmethod
    def of(cls, row: FileRow) -> FileObject:
        return cls(
            id=row.id,
            bytes=row.size_bytes,
            created_at=row.created_at,
            filename=row.filename,
            purpose=row.purpose,
        )


def _metadata_required(schema: dict[str, Any]) -> None:
    """The server refuses a batch without metadata.max_price_wei: say so in the schema
    (the field stays optional in Python so the refusal names max_price_wei itself)."""
    schema["required"] = sorted({*schema.get("required", []), "metadata"})
    schema["properties"]["metadata"] = {
        "type": "object",
        "description": "must hold max_price_wei: the limit price per unit in GPUC wei",
        "properties": {"max_price_wei": {"type": "string", "pattern": "^[0-9]{1,25}$"}},
        "required": ["max_price_wei"],
        "additionalProperties": {"type": "string", "maxLength": 512},
        "maxProperties": MAX_METADATA_KEYS,
    }


class CreateBatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_metadata_required)

    input_file_id: str = Field(min_length=1, max_length=64)
    endpoint: Literal["/v1/chat/completions", "/v1/completions", "/v1/embeddings"]
    completion_window: str = Field(
        default="24h", pattern=r"^[1-9][0-9]{0,2}h$", description="hours, e.g. 24h"
    )
    metadata: dict[str, str] | None = Field(
        default=None,
        description='must hold "max_price_wei": the limit price per unit in GPUC wei',
    )


class BatchError(BaseModel):
    code: str
    message: str
    param: str | None = None
    line: int | None = None


class BatchErrors(BaseModel):
    object: Literal["list"] = "list"
    data: list[BatchError]


class RequestCounts(BaseModel):
    total: int
    completed: int
    failed: int


class BatchObject(BaseModel):
    # Every field is always sent (null when unset): the schema marks them all required.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: str
    object: Literal["batch"] = "batch"
    endpoint: str
    errors: BatchErrors | None = None
    input_file_id: str
    completion_window: str
    status: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    created_at: int
    in_progress_at: int | None = None
    expires_at: int | None = None
    finalizing_at: int | None = None
    completed_at: int | None = None
    failed_at: int | None = None
    expired_at: int | None = None
    cancelling_at: int | None = None
    cancelled_at: int | None = None
    request_counts: RequestCounts
    metadata: dict[str, str] | None = None

    @classmethod
    def of(cls, batch: Batch, engine: Engine) -> BatchObject:
        def t(x: float | None) -> int | None:
            return None if x is None else int(x)

        metadata = dict(batch.metadata)
        if batch.fill_id is not None:  # what was paid, and the job to find on chain
            fill = engine.fill(batch.fill_id)
            metadata["gpuc_price_per_unit_wei"] = str(fill.price_per_unit_wei)
            metadata["gpuc_cost_wei"] = str(fill.cost_wei)
            metadata["gpuc_job_ids"] = engine.terms(fill).job_id_hex()
        errors = (
            BatchErrors(data=[BatchError.model_validate(e) for e in batch.errors])
            if batch.errors
            else None
        )

        return cls(
            id=batch.batch_id,
            endpoint=batch.endpoint,
            errors=errors,
            input_file_id=batch.input_file_id,
            completion_window=batch.completion_window,
            status=batch.status.value,
            output_file_id=batch.output_file_id,
            error_file_id=batch.error_file_id,
            created_at=int(batch.created_at),
            in_progress_at=t(batch.in_progress_at),
            expires_at=t(batch.expires_at),
            finalizing_at=t(batch.finalizing_at),
            completed_at=t(batch.completed_at),
            failed_at=t(batch.failed_at),
            expired_at=t(batch.expired_at),
            cancelling_at=t(batch.cancelling_at),
            cancelled_at=t(batch.cancelled_at),
            request_counts=RequestCounts(
                total=batch.total_requests,
                completed=batch.completed_requests,
                failed=batch.failed_requests,
            ),
            metadata=_with_status_note(batch, metadata),
        )


# OpenAI's status names have no "waiting for a price": a batch is a limit buy, and while it
# rests it reports `validating`; this metadata key says so in the batch object itself.
STATUS_NOTE_KEY = "gpuc_status"


def _with_status_note(batch: Batch, metadata: dict[str, str]) -> dict[str, str] | None:
    if batch.status.value == "validating":
        metadata[STATUS_NOTE_KEY] = (
            "waiting for a price: no offer is at or below metadata.max_price_wei yet "
            "(OpenAI has no status for this, so it is reported as validating)"
        )
    return metadata or None


class BatchList(BaseModel):
    object: Literal["list"] = "list"
    data: list[BatchObject]
    first_id: str | None
    last_id: str | None
    has_more: bool
