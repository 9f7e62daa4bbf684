"""Applies commands to the book and the batches; the same commands at the same times
always give the same state, which is how a restart restores the market exactly."""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, field

from matcher.batch.batch import Batch, BatchRegistry, BatchStatus
from matcher.book.config import BookConfig
from matcher.book.offer import Offer
from matcher.book.order import BuyOrder, OrderKind, OrderStatus
from matcher.book.order_book import OrderBook
from matcher.book.resources import ResourceCatalog
from matcher.engine.commands import (
    CancelBatch,
    CancelOrder,
    Command,
    CompleteBatch,
    CreateBatch,
    Heartbeat,
    PlaceOrder,
    PostAcceptance,
    RegisterApiKey,
    RegisterOffer,
    RetryBatchLines,
    RevokeApiKey,
    SetRouting,
    Sweep,
    UpdateOffer,
    WithdrawOffer,
)
from matcher.errors import Conflict, InvalidField, NotFound
from matcher.routing.uptime import UptimeLedger
from matcher.terms import terms_for_fill
from protocol.typed_data import JobTerms
from protocol.wire.matcher import Fill


@dataclass(slots=True)
class ApiKeyRecord:
    key_id: str
    owner: str
    expires_at: int
    created_at: float
    revoked_at: float | None = None


@dataclass(slots=True)
class Applied:
    """What a command did: the thing it made or touched, and every fill it caused."""

    fills: list[Fill] = field(default_factory=list)
    order: BuyOrder | None = None
    offer: Offer | None = None
    batch: Batch | None = None
    api_key: ApiKeyRecord | None = None
    replayed: bool = False  # an Idempotency-Key retry: nothing new was done


class Engine:
    def __init__(self, catalog: ResourceCatalog, config: BookConfig | None = None) -> None:
        self.config = config or BookConfig()
        self.book = OrderBook(catalog, self.config)
        self.batches = BatchRegistry()
        self._fills: dict[str, Fill] = {}
        self._fills_by_offer: dict[str, list[str]] = {}
        self._fills_by_party: dict[str, list[str]] = {}
        self._orders_by_owner: dict[str, list[str]] = {}
        self._by_client_key: dict[tuple[str, str], str] = {}
        self._client_key_of: dict[str, tuple[str, str]] = {}
        # (finished at, order id): forgotten `order_retention_s` later.
        self._finished: deque[tuple[float, str]] = deque()
        self._batch_expiry: list[tuple[float, str]] = []
        self._cancelling: list[str] = []
        self.applied_count = 0
        self.revoked_keys: set[str] = set()
        self.api_keys: dict[str, ApiKeyRecord] = {}
        # Heartbeat-observed availability per provider (GET .../providers/{a}/uptime).
        self.uptime = UptimeLedger()
        # fill id -> (provider's acceptance signature, time it came): one-transaction opens.
        self.acceptances: dict[str, tuple[str, float]] = {}

    def __setstate__(self, state: dict[str, object]) -> None:
        """A snapshot taken before uptime (or acceptances) were recorded loads with them empty."""
        self.__dict__.update(state)
        self.__dict__.setdefault("uptime", UptimeLedger())
        self.__dict__.setdefault("acceptances", {})

    # -- reads ---------------------------------------------------------------------

    def fill(self, fill_id: str) -> Fill:
        try:
            return self._fills[fill_id]
        except KeyError:
            raise NotFound(f"no fill {fill_id!r}", field="fill_id") from None

    def orders_of(self, owner: str) -> list[BuyOrder]:
        """An owner's orders, oldest first."""
        return [self.book.order(o) for o in self._orders_by_owner.get(owner, [])]

    def fills_of(self, party: str) -> list[Fill]:
        """Fills where `party` bought or sold, oldest first."""
        return [self._fills[f] for f in self._fills_by_party.get(party, [])]

    def order_for_key(self, owner: str, client_key: str) -> BuyOrder | None:
        order_id = self._by_client_key.get((owner, client_key))
        return None if order_id is None else self.book.order(order_id)

    def fills_of_offer(self, offer_id: str) -> list[Fill]:
        return [self._fills[f] for f in self._fills_by_offer.get(offer_id, [])]

    def terms(self, fill: Fill) -> JobTerms:
        order = self.book.order(fill.order_id)
        return terms_for_fill(fill, order.spec, self.config)

    def api_keys_of(self, owner: str) -> list[ApiKeyRecord]:
        return [k for k in self.api_keys.values() if k.owner == owner]

    # -- time ----------------------------------------------------------------------

    def advance(self, now: float) -> Applied | None:
        """Let time act (heartbeats, demand window, batch windows); None if nothing did."""
        self._forget_finished(now)
        self.uptime.prune(now)
        changed, fills = self.book.advance(now)
        applied = Applied(fills=fills)
        while self._batch_expiry and self._batch_expiry[0][0] <= now:
            _, batch_id = heapq.heappop(self._batch_expiry)
            batch = self.batches.get(batch_id)
            if batch.status is BatchStatus.VALIDATING:
                order = self.book.order(batch.order_id)
                if order.status is OrderStatus.RESTING:
                    _, more = self.book.cancel_order(order.order_id, order.owner, now)
                    applied.fills.extend(more)
                self.batches.expire(batch, now)
                changed = True
        if self._cancelling:
            waiting = []
            for batch_id in self._cancelling:
                batch = self.batches.get(batch_id)
                if self.batches.settle_cancel(batch, now):
                    changed = True
                elif batch.status is BatchStatus.CANCELLING and batch.fill_id is None:
                    waiting.append(batch_id)
            self._cancelling = waiting
        if not changed:
            return None
        self._record(applied, now)
        return applied

    # -- commands ------------------------------------------------------------------

    def apply(self, command: Command, now: float) -> Applied:
        """Validate and apply one command at `now`; raises (changing nothing) if refused.

        Callers run `advance(now)` first and log a Sweep when it reports a change, so
        that what time did is in the log before the command itself.
        """
        applied = self._dispatch(command, now)
        self._record(applied, now)
        self.applied_count += 1
        return applied

    def _dispatch(self, command: Command, now: float) -> Applied:
        book = self.book
        match command:
            case Sweep():
                self.advance(now)  # records its own fills
                return Applied()
            case RegisterOffer():
                fills = book.add_offer(
                    offer_id=command.offer_id,
                    owner=command.owner,
                    resource=command.resource,
                    strategy=command.strategy,
                    capacity_units_per_s=command.capacity_units_per_s,
                    min_job_units=command.min_job_units,
                    now=now,
                    llm=command.llm,
                )
                self._alive(command.owner, command.offer_id, now)
                return Applied(fills=fills, offer=book.offer(command.offer_id))
            case UpdateOffer():
                fills = book.update_offer(
                    command.offer_id,
                    command.owner,
                    strategy=command.strategy,
                    capacity_units_per_s=command.capacity_units_per_s,
                    min_job_units=command.min_job_units,
                    now=now,
                )
                self._alive(command.owner, command.offer_id, now)
                return Applied(fills=fills, offer=book.offer(command.offer_id))
            case Heartbeat():
                fills = book.heartbeat(command.offer_id, command.owner, now)
                self._alive(command.owner, command.offer_id, now)
                return Applied(fills=fills, offer=book.offer(command.offer_id))
            case WithdrawOffer():
                offer = book.offer(command.offer_id)
                fills = book.withdraw_offer(command.offer_id, command.owner, now)
                self.uptime.gone(command.owner, command.offer_id, now)
                return Applied(fills=fills, offer=offer)
            case PlaceOrder():
                if command.client_key is not None:
                    earlier = self.order_for_key(command.owner, command.client_key)
                    if earlier is not None:  # a retry: the first answer again, no new order
                        _same_order(earlier, command)
                        return Applied(order=earlier, replayed=True)
                order, fills = self._place(command, now)
                if command.client_key is not None:
                    self._by_client_key[(command.owner, command.client_key)] = order.order_id
                    self._client_key_of[order.order_id] = (command.owner, command.client_key)
                return Applied(fills=fills, order=order)
            case CancelOrder():
                if self.batches.for_order(command.order_id) is not None:
                    raise Conflict(
                        f"order {command.order_id} belongs to a batch; cancel the batch",
                        field="order_id",
                    )
                order, fills = book.cancel_order(command.order_id, command.owner, now)
                self._finished.append((now, order.order_id))
                return Applied(fills=fills, order=order)
            case CreateBatch():
                return self._create_batch(command, now)
            case RetryBatchLines():
                batch = self.batches.get(command.batch_id)
                if (
                    batch.provider != command.provider
                    or batch.status is not BatchStatus.IN_PROGRESS
                ):
                    raise Conflict(
                        f"batch {batch.batch_id} is {batch.status.value} on {batch.provider}",
                        field="batch_id",
                    )
                order, fills = self._place(command.order, now)
                self.batches.retry(
                    batch,
                    command.provider,
                    order_id=order.order_id,
                    input_file_id=command.input_file_id,
                    answered=list(command.answered),
                    now=now,
                )
                return Applied(fills=fills, order=order, batch=batch)
            case SetRouting():
                book.routing.update(command.providers)
                return Applied()
            case PostAcceptance():
                fill = self.fill(command.fill_id)
                if fill.provider.lower() != command.provider.lower():
                    raise Conflict(
                        f"fill {fill.fill_id} is {fill.provider}'s, not {command.provider}'s",
                        field="fill_id",
                    )
                held = self.acceptances.get(fill.fill_id)
                if held is not None and held[0] != command.signature.lower():
                    raise Conflict(
                        f"fill {fill.fill_id} has an acceptance already", field="signature"
                    )
                if held is None:
                    self.acceptances[fill.fill_id] = (command.signature.lower(), now)
                return Applied()
            case CancelBatch():
                batch = self.batches.owned(command.batch_id, command.owner)
                cancelled = Applied(batch=batch)
                waiting = batch.status is BatchStatus.VALIDATING
                self.batches.cancel(batch, now)  # raises (changing nothing) if too late
                if waiting:
                    _, cancelled.fills = book.cancel_order(batch.order_id, batch.owner, now)
                    self._cancelling.append(batch.batch_id)
                return cancelled
            case RegisterApiKey():
                record = self.api_keys.get(command.key_id)
                if record is None:
                    record = ApiKeyRecord(command.key_id, command.owner, command.expires_at, now)
                    self.api_keys[command.key_id] = record
                elif record.owner != command.owner:  # pragma: no cover - ids are hashes
                    raise Conflict(f"API key {command.key_id} exists", field="key")
                return Applied(api_key=record)
            case RevokeApiKey():
                record = self.api_keys.get(command.key_id)
                if record is None or record.owner != command.owner:
                    if command.expires_at is None:
                        raise NotFound(f"no API key {command.key_id!r} of yours", field="key_id")
                    record = ApiKeyRecord(command.key_id, command.owner, command.expires_at, now)
                    self.api_keys[command.key_id] = record
                if record.revoked_at is None:
                    record.revoked_at = now
                    self.revoked_keys.add(record.key_id)
                return Applied(api_key=record)
            case CompleteBatch():
                batch = self.batches.get(command.batch_id)
                self.batches.complete(
                    batch,
                    command.provider,
                    output_file_id=command.output_file_id,
                    error_file_id=command.error_file_id,
                    completed=command.completed,
                    failed=command.failed,
                    now=now,
                )
                return Applied(batch=batch)
        raise InvalidField(f"unknown command {command!r}", field="type")  # pragma: no cover

    def _alive(self, owner: str, offer_id: str, now: float) -> None:
        self.uptime.alive(owner, offer_id, now, now + self.config.heartbeat_ttl_s)

    def _place(self, command: PlaceOrder, now: float) -> tuple[BuyOrder, list[Fill]]:
        placed = self.book.place_order(
            order_id=command.order_id,
            owner=command.owner,
            resource=command.resource,
            kind=command.kind,
            units=command.units,
            max_price_wei=command.max_price_wei,
            spec=command.spec,
            all_or_none=command.all_or_none,
            now=now,
            exclude_providers=command.exclude_providers,
            routing=command.routing,
        )
        self._orders_by_owner.setdefault(command.owner, []).append(command.order_id)
        if placed[0].status is not OrderStatus.RESTING:
            self._finished.append((now, command.order_id))
        return placed

    def _create_batch(self, command: CreateBatch, now: float) -> Applied:
        if command.order.kind is not OrderKind.LIMIT or not command.order.all_or_none:
            raise InvalidField("a batch buys with an all-or-none limit order", field="order")
        try:
            self.batches.get(command.batch_id)
        except NotFound:
            pass
        else:
            raise Conflict(f"batch {command.batch_id} already exists", field="batch_id")
        batch = Batch(
            batch_id=command.batch_id,
            owner=command.order.owner,
            input_file_id=command.input_file_id,
            endpoint=command.endpoint,
            completion_window=command.completion_window,
            metadata=dict(command.metadata),
            order_id=command.order.order_id,
            resource=command.order.resource,
            total_requests=command.total_requests,
            created_at=now,
            expires_at=now + command.completion_window_s,
        )
        if command.errors:  # bad lines: failed at once, nothing bought (OpenAI's errors)
            batch.status = BatchStatus.FAILED
            batch.failed_at = now
            batch.errors = [dict(e) for e in command.errors]
            self.batches.add(batch)
            return Applied(batch=batch)
        # The batch is registered before the order so a fill at once finds it.
        order, fills = self._place(command.order, now)
        self.batches.add(batch)
        heapq.heappush(self._batch_expiry, (batch.expires_at, batch.batch_id))
        return Applied(fills=fills, order=order, batch=batch)

    def _forget_finished(self, now: float) -> None:
        """Orders finished more than the retention ago leave memory with their fills.
        Depends only on when each finished, so a replay forgets exactly the same."""
        horizon = now - self.config.order_retention_s
        while self._finished and self._finished[0][0] <= horizon:
            _, order_id = self._finished.popleft()
            if self.batches.for_order(order_id) is not None:
                continue  # a batch's order stays as long as the batch
            order = self.book.forget_order(order_id)
            if order is None:
                continue
            _drop(self._orders_by_owner, order.owner, order_id)
            for fill in order.fills:
                self._fills.pop(fill.fill_id, None)
                self.acceptances.pop(fill.fill_id, None)
                _drop(self._fills_by_offer, fill.offer_id, fill.fill_id)
                _drop(self._fills_by_party, fill.consumer, fill.fill_id)
                _drop(self._fills_by_party, fill.provider, fill.fill_id)
            key = self._client_key_of.pop(order_id, None)
            if key is not None:
                self._by_client_key.pop(key, None)

    def _record(self, applied: Applied, now: float) -> None:
        for fill in applied.fills:
            self._fills[fill.fill_id] = fill
            self._fills_by_offer.setdefault(fill.offer_id, []).append(fill.fill_id)
            self._fills_by_party.setdefault(fill.consumer, []).append(fill.fill_id)
            if fill.provider != fill.consumer:
                self._fills_by_party.setdefault(fill.provider, []).append(fill.fill_id)
            batch = self.batches.for_order(fill.order_id)
            if batch is not None and batch.status is BatchStatus.VALIDATING:
                self.batches.filled(batch, fill.fill_id, fill.provider, now)
            order = self.book.order(fill.order_id)
            if (
                order.status is OrderStatus.FILLED
                and order.remaining == 0
                and order.fills[-1] is fill
            ):
                self._finished.append((now, order.order_id))


def _same_order(earlier: BuyOrder, command: PlaceOrder) -> None:
    """A reused Idempotency-Key must come with the same order."""
    theirs = (command.resource, command.kind, command.units, command.max_price_wei, command.spec)
    ours = (earlier.resource, earlier.kind, earlier.units, earlier.max_price_wei, earlier.spec)
    if theirs != ours or command.all_or_none != earlier.all_or_none:
        raise Conflict(
            f"Idempotency-Key {command.client_key!r} was used for order {earlier.order_id},"
            " a different order; use a new key for a new order",
            field="Idempotency-Key",
        )


def _drop(index: dict[str, list[str]], key: str, value: str) -> None:
    values = index.get(key)
    if values is None:
        return
    try:
        values.remove(value)  # the oldest entries: found at the front
    except ValueError:
        return
    if not values:
        del index[key]
