"""A batch's life, OpenAI's statuses on top of a resting all-or-none limit buy.

validating   the limit buy rests: the price is above the batch's limit
failed       the input file had bad lines (listed in `errors`); nothing was bought
in_progress  the buy filled; the provider runs the requests
completed    the provider returned a response (or an error) for every request
cancelling   cancel asked: a waiting batch's buy is withdrawn at once, and it is
             `cancelled` on the next tick; a running one is `cancelled` when its
             provider reports (nothing more runs or is delivered after a cancel)
expired      nothing filled within the completion window
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from matcher.errors import Conflict, NotFound, NotOwner


class BatchStatus(StrEnum):
    VALIDATING = "validating"
    FAILED = "failed"
    IN_PROGRESS = "in_progress"
    FINALIZING = "finalizing"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"


@dataclass(slots=True)
class Batch:
    batch_id: str
    owner: str
    input_file_id: str
    endpoint: str
    completion_window: str
    metadata: dict[str, str]
    order_id: str
    resource: str
    total_requests: int
    created_at: float
    expires_at: float
    status: BatchStatus = BatchStatus.VALIDATING
    fill_id: str | None = None
    provider: str | None = None
    in_progress_at: float | None = None
    finalizing_at: float | None = None
    completed_at: float | None = None
    expired_at: float | None = None
    cancelling_at: float | None = None
    cancelled_at: float | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    completed_requests: int = 0
    failed_requests: int = 0
    history: list[str] = field(default_factory=list)
    failed_at: float | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Line retries (matcher/batch/line_retry.py): the failed requests' input file, the
    # output lines earlier providers answered, and the providers that failed lines.
    retry_input_file_id: str | None = None
    answered: list[str] = field(default_factory=list)
    failed_providers: list[str] = field(default_factory=list)


class BatchRegistry:
    def __init__(self) -> None:
        self._batches: dict[str, Batch] = {}
        self._by_order: dict[str, str] = {}

    def get(self, batch_id: str) -> Batch:
        try:
            return self._batches[batch_id]
        except KeyError:
            raise NotFound(f"no batch {batch_id!r}", field="batch_id") from None

    def owned(self, batch_id: str, owner: str) -> Batch:
        batch = self.get(batch_id)
        if batch.owner != owner:
            # Another key's batch is not even visible to this one.
            raise NotFound(f"no batch {batch_id!r}", field="batch_id")
        return batch

    def for_order(self, order_id: str) -> Batch | None:
        batch_id = self._by_order.get(order_id)
        return None if batch_id is None else self._batches[batch_id]

    def list_for(self, owner: str) -> list[Batch]:
        """Newest first, as OpenAI lists them."""
        mine = [b for b in self._batches.values() if b.owner == owner]
        return sorted(mine, key=lambda b: (b.created_at, b.batch_id), reverse=True)

    def add(self, batch: Batch) -> None:
        if batch.batch_id in self._batches:
            raise Conflict(f"batch {batch.batch_id} already exists", field="batch_id")
        self._batches[batch.batch_id] = batch
        if batch.status is not BatchStatus.FAILED:  # a failed batch placed no order
            self._by_order[batch.order_id] = batch.batch_id

    def in_progress(self) -> list[Batch]:
        return [b for b in self._batches.values() if b.status is BatchStatus.IN_PROGRESS]

    def pending(self) -> list[Batch]:
        return [b for b in self._batches.values() if b.status is BatchStatus.VALIDATING]

    @staticmethod
    def filled(batch: Batch, fill_id: str, provider: str, now: float) -> None:
        batch.status = BatchStatus.IN_PROGRESS
        batch.fill_id = fill_id
        batch.provider = provider
        batch.in_progress_at = now

    def retry(
        self,
        batch: Batch,
        provider: str,
        *,
        order_id: str,
        input_file_id: str,
        answered: list[str],
        now: float,
    ) -> None:
        """``provider`` failed some lines: wait for the retry order to fill (validating)."""
        if batch.provider != provider:
            raise NotOwner(f"batch {batch.batch_id} runs on {batch.provider}, not {provider}")
        if batch.status is not BatchStatus.IN_PROGRESS:
            raise Conflict(
                f"batch {batch.batch_id} is {batch.status.value}; its lines cannot be retried",
                field="batch_id",
            )
        batch.failed_providers.append(provider.lower())
        batch.answered.extend(answered)
        batch.retry_input_file_id = input_file_id
        batch.order_id = order_id
        batch.fill_id = None
        batch.provider = None
        batch.status = BatchStatus.VALIDATING
        batch.history.append(f"{now}: lines failed by {provider} placed again")
        self._by_order[order_id] = batch.batch_id

    @staticmethod
    def settle_cancel(batch: Batch, now: float) -> bool:
        """A cancelling batch that never filled becomes cancelled (after its cancel)."""
        if batch.status is not BatchStatus.CANCELLING or batch.fill_id is not None:
            return False
        if batch.cancelling_at is not None and now <= batch.cancelling_at:
            return False
        batch.status = BatchStatus.CANCELLED
        batch.cancelled_at = now
        return True

    @staticmethod
    def expire(batch: Batch, now: float) -> None:
        batch.status = BatchStatus.EXPIRED
        batch.expired_at = now

    @staticmethod
    def cancel(batch: Batch, now: float) -> None:
        """Cancelling: a resting batch until the next tick, a running one until its
        provider reports (as OpenAI: `cancelling`, then `cancelled`)."""
        if batch.status in (BatchStatus.VALIDATING, BatchStatus.IN_PROGRESS):
            batch.cancelling_at = now
            batch.status = BatchStatus.CANCELLING
        else:
            raise Conflict(
                f"batch {batch.batch_id} is {batch.status.value}; it can no longer be cancelled",
                field="batch_id",
            )

    @staticmethod
    def complete(
        batch: Batch,
        provider: str,
        *,
        output_file_id: str | None,
        error_file_id: str | None,
        completed: int,
        failed: int,
        now: float,
    ) -> None:
        if batch.provider != provider:
            raise NotOwner(f"batch {batch.batch_id} runs on {batch.provider}, not {provider}")
        if batch.status not in (BatchStatus.IN_PROGRESS, BatchStatus.CANCELLING):
            raise Conflict(
                f"batch {batch.batch_id} is {batch.status.value}; results are not expected",
                field="batch_id",
            )
        if batch.status is BatchStatus.CANCELLING:
            # Cancelled: what the provider sends now is not delivered.
            batch.status = BatchStatus.CANCELLED
            batch.cancelled_at = now
            return
        batch.finalizing_at = now
        batch.output_file_id = output_file_id
        batch.error_file_id = error_file_id
        batch.completed_requests = completed
        batch.failed_requests = failed
        batch.status = BatchStatus.COMPLETED
        batch.completed_at = now
