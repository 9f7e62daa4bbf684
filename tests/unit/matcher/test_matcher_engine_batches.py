"""Batches on the engine: wait for the price, run, complete, or expire."""

from __future__ import annotations

import pytest

from matcher.batch.batch import BatchStatus
from matcher.book import OrderKind, OrderStatus, ResourceCatalog
from matcher.engine import Engine
from matcher.engine.commands import (
    CancelBatch,
    CancelOrder,
    CompleteBatch,
    CreateBatch,
    PlaceOrder,
    RegisterOffer,
    UpdateOffer,
)
from matcher.errors import Conflict, InvalidField, NotFound, NotOwner
from protocol.pricing import FixedPricing

T0 = 1_800_000_000.0


def batch_command(batch_id: str, max_price: int, *, window_s: float = 3600.0) -> CreateBatch:
    return CreateBatch(
        batch_id=batch_id,
        order=PlaceOrder(
            order_id=f"ord-{batch_id}",
            owner="C",
            resource="llama-3-70b",
            kind=OrderKind.LIMIT,
            units=50,
            max_price_wei=max_price,
            spec="0x" + "22" * 32,
            all_or_none=True,
        ),
        input_file_id="file-1",
        endpoint="/v1/chat/completions",
        completion_window="1h",
        completion_window_s=window_s,
        metadata={"max_price_wei": str(max_price)},
        total_requests=3,
    )


def offer(price: int) -> RegisterOffer:
    return RegisterOffer(
        offer_id="off",
        owner="P",
        resource="llama-3-70b",
        strategy=FixedPricing(price_wei=price),
        capacity_units_per_s=1.0,
        min_job_units=1,
    )


def test_batch_waits_then_runs_on_one_provider_and_completes() -> None:
    engine = Engine(ResourceCatalog())
    engine.apply(offer(100), T0)
    batch = engine.apply(batch_command("b1", 80), T0).batch
    assert batch is not None and batch.status is BatchStatus.VALIDATING
    engine.apply(
        UpdateOffer(offer_id="off", owner="P", strategy=FixedPricing(price_wei=70)), T0 + 1
    )
    assert batch.status is BatchStatus.IN_PROGRESS and batch.provider == "P"
    fill = engine.fill(batch.fill_id or "")
    assert (fill.units, fill.price_per_unit_wei) == (50, 70)
    done = CompleteBatch(
        batch_id="b1",
        provider="P",
        output_file_id="f-out",
        error_file_id=None,
        completed=3,
        failed=0,
    )
    with pytest.raises(NotOwner):
        engine.apply(done.model_copy(update={"provider": "mallory"}), T0 + 2)
    engine.apply(done, T0 + 2)
    assert (batch.status, batch.output_file_id, batch.completed_requests) == (
        BatchStatus.COMPLETED,
        "f-out",
        3,
    )
    with pytest.raises(Conflict):
        engine.apply(done, T0 + 3)


def test_batch_that_never_meets_its_price_expires_with_its_order() -> None:
    engine = Engine(ResourceCatalog())
    engine.apply(offer(100), T0)
    batch = engine.apply(batch_command("b2", 10, window_s=600), T0).batch
    assert batch is not None
    engine.advance(T0 + 599)
    assert batch.status is BatchStatus.VALIDATING
    assert engine.advance(T0 + 600) is not None
    assert batch.status is BatchStatus.EXPIRED
    assert engine.book.order("ord-b2").status is OrderStatus.CANCELLED


def test_batch_cancel_is_for_its_owner_and_its_order_only_cancels_through_it() -> None:
    engine = Engine(ResourceCatalog())
    engine.apply(batch_command("b3", 10), T0)
    with pytest.raises(Conflict, match="belongs to a batch"):
        engine.apply(CancelOrder(order_id="ord-b3", owner="C"), T0)
    with pytest.raises(NotFound):
        engine.apply(CancelBatch(batch_id="b3", owner="mallory"), T0)
    batch = engine.apply(CancelBatch(batch_id="b3", owner="C"), T0).batch
    # As at OpenAI: cancelling first, cancelled on the next tick; its buy is gone at once.
    assert batch is not None and batch.status is BatchStatus.CANCELLING
    assert engine.book.order("ord-b3").status is OrderStatus.CANCELLED
    assert engine.advance(T0 + 1) is not None
    assert batch.status is BatchStatus.CANCELLED and batch.cancelled_at == T0 + 1


def test_a_batch_must_buy_all_or_none() -> None:
    engine = Engine(ResourceCatalog())
    command = batch_command("b4", 10)
    partial = command.model_copy(
        update={"order": command.order.model_copy(update={"all_or_none": False})}
    )
    with pytest.raises(InvalidField, match="all-or-none"):
        engine.apply(partial, T0)
    with pytest.raises(NotFound):
        engine.batches.get("b4")
