"""A scripted session against a market (ours or a running `gpuc up`), for `gpuc demo`.

1. Honest jobs: matmul, embeddings and container market buys, opened on chain, run,
   judged (a deterministic container task is re-run by the oracles), paid; a container
   task is paid per second it ran.
2. Failover, started right after those buys are placed: a provider is killed right after
   accepting a job; the consumer's job opener notices it went silent, slashes it for
   non-delivery as soon as the escrow allows (the budget comes back first: never paid
   twice) and moves the work to the next best provider, where it is paid. The escrow
   allows that slash only after the job's deadline plus the dispute window (about five
   minutes with `gpuc up`'s defaults), so the steps below run while that clock runs and
   the demo collects the migration last.
3. A cheating provider forges a result; the committee slashes it and the consumer gets
   its budget back plus compensation.
4. When the market runs an LLM provider, a chat answer bought in real time from a
   session escrow through the gateway, then a chat batch from the official `openai`
   client (gpuc.market.llm_demo).
5. A limit-buy batch from the official `openai` client bids below every provider; it
   waits until a cheaper provider joins (the price drops), then fills and runs.
6. Gas: every transaction the chain mined during the session.

Why the demo does not move the chain clock forward (evm_increaseTime) to skip the wait:
the matcher stamps each fill's accept deadline from the wall clock (fill time + accept
window, 120 s under `gpuc up`), and the escrow refuses to open a job whose accept deadline
is behind the chain's time. A jump past the killed job's deadline + dispute window (~300
s) would leave the chain ahead of the wall clock for good, and every later fill of the
running `gpuc up` would be refused. Overlapping the wait with the other steps costs
nothing and leaves the market as it was.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openai
from openai.types import Batch
from pydantic import BaseModel

from gpuc.errors import GpucError
from gpuc.market.job_opener import Work
from gpuc.market.llm_demo import LLMBatchLine, LLMChatLine, buy_chat_answer, buy_chat_batch
from gpuc.market.local_market import LocalMarket, RunningProvider
from gpuc.market.plan import (
    CONTAINER_RESOURCE,
    EMBEDDINGS_RESOURCE,
    MATMUL_RESOURCE,
    MILLI,
    ProviderPlan,
)
from gpuc.market.waiting import wait_until
from protocol.compute.container_spec import parse_container_spec
from protocol.compute.embedding_inputs import encode_inputs, inputs_hash, synthetic_texts
from protocol.containers.engine import require_engine
from protocol.containers.image import ensure_python_image
from protocol.matcher_client import FillView
from protocol.pricing import FixedPricing
from protocol.rpc import rpc_request
from protocol.typed_data import CLOSED_STATUSES, JobStatus, JobTerms, job_id

__all__ = ["DemoReport", "run_demo"]

CHEATER = ProviderPlan(
    name="cheater",
    account=6,
    matmul=FixedPricing(price_wei=MILLI),
    embeddings=FixedPricing(price_wei=100 * MILLI),
    cheat=True,
)
# A container task: fit a linear model with numpy by gradient descent, save the weights.
TRAIN_SCRIPT = """
import numpy as np
rng = np.random.default_rng(SEED)
x = rng.standard_normal((512, 16))
y = x @ np.linspace(-1.0, 1.0, 16) + 0.01 * rng.standard_normal(512)
w = np.zeros(16)
for epoch in range(300):
    w -= 0.05 * x.T @ (x @ w - y) / len(y)
    if epoch % 100 == 0:
        print("epoch", epoch, "loss", float(np.mean((x @ w - y) ** 2)), flush=True)
np.save("/out/weights.npy", w)
"""
# Killed after accepting (failover). Priced above the cheater's order and its re-placed
# order (2 milli, still resting) and below every default provider, so the demo's order
# goes to it.
VICTIM = ProviderPlan(
    name="victim",
    account=8,
    matmul=FixedPricing(price_wei=3 * MILLI),
    embeddings=FixedPricing(price_wei=100 * MILLI),
)
BATCH_LIMIT_WEI = 2 * MILLI // 5  # below every default provider's embeddings price
DISCOUNT = ProviderPlan(
    name="discount",
    account=7,
    matmul=FixedPricing(price_wei=100 * MILLI),
    embeddings=FixedPricing(price_wei=BATCH_LIMIT_WEI // 2),
)


class JobLine(BaseModel):
    kind: str
    provider: str
    units: int
    price_per_unit_wei: int
    paid_to_provider_wei: int
    status: str
    seconds: float


class BatchLine(BaseModel):
    limit_wei: int
    price_when_placed_wei: int | None
    waited_s: float
    fill_price_wei: int | None
    status: str
    completed_requests: int
    chain_status: str


class CheatLine(BaseModel):
    provider: str
    budget_wei: int
    slashed_wei: int
    compensation_wei: int
    consumer_credited_wei: int
    status: str


class MigrationLine(BaseModel):
    killed_provider: str
    first_job_status: str  # Accepted: its budget comes back by a non-delivery slash later
    moved_to: str
    running_elsewhere_after_s: float
    attempts: int
    status: str
    paid_to_provider_wei: int


class GasLine(BaseModel):
    blocks: int
    transactions: int
    gas_used: int


class DemoReport(BaseModel):
    jobs: list[JobLine]
    batch: BatchLine
    cheat: CheatLine
    migration: MigrationLine | None  # None when the consumer runs without failover
    gas: GasLine
    elapsed_s: float
    llm: LLMChatLine | None = None
    llm_batch: LLMBatchLine | None = None


def _closed(market: LocalMarket, terms: JobTerms | str, timeout: float) -> int:
    def done() -> int | None:
        status = market.protocol.job(terms).status
        return status if status in CLOSED_STATUSES else None

    name = terms if isinstance(terms, str) else "0x" + job_id(terms).hex()
    return int(wait_until(f"job {name[:14]} to close", done, timeout))


def _event(market: LocalMarket, name: str, terms: JobTerms) -> dict[str, Any]:
    logs = market.protocol.contracts.escrow.logs(
        name, topics=["0x" + job_id(terms).hex()], from_block=market.manifest.block
    )
    return dict(logs[0]) if logs else {}


def _names(market: LocalMarket) -> dict[str, str]:
    return {p.address: name for name, p in market.providers.items()} | {
        market.wallets[p.account].address: p.name for p in market.plan.providers
    }


def run_demo(
    market: LocalMarket,
    *,
    matmul_jobs: int = 3,
    embeddings_jobs: int = 2,
    container_jobs: int = 1,
    say: Callable[[str], None] = lambda text: None,
    batches: list[str] | None = None,
) -> DemoReport:
    """``batches`` collects the ids of the batches the demo creates, as it creates them
    (an interrupted demo cancels those not completed: gpuc.market.demo_cleanup)."""
    batches = [] if batches is None else batches
    started = time.monotonic()
    first_block = int(rpc_request(market.protocol.w3, "eth_blockNumber", [], "head"), 16)
    orders = _place_honest(market, matmul_jobs, embeddings_jobs, container_jobs, say)
    # The killed provider's job can be slashed only after its deadline + dispute window:
    # everything below runs meanwhile (the module docstring says why not a clock jump).
    killed = _kill_after_accept(market, say)
    jobs = _honest_jobs(market, orders)
    cheat = _cheat(market, say)
    llm = buy_chat_answer(market, say) if market.llm_urls else None
    llm_batch = buy_chat_batch(market, say, batches) if market.llm_urls else None
    batch, batch_terms = _limit_batch(market, say, batches)
    migration = _migration(market, say, killed)
    window = int(market.protocol.contracts.escrow.read("disputeWindow"))
    if batch_terms is not None:
        say(f"waiting up to {window} s (the dispute window) for the batch job's payout")
        status = _closed(market, batch_terms, window + 30)
        batch = batch.model_copy(update={"chain_status": JobStatus(status).label})
    if llm_batch is not None and llm_batch.job is not None:
        status = _closed(market, llm_batch.job, window + 30)
        llm_batch = llm_batch.model_copy(update={"chain_status": JobStatus(status).label})
    market.stop_provider(DISCOUNT.name)
    gas = _gas(market, first_block)
    return DemoReport(
        jobs=jobs,
        batch=batch,
        cheat=cheat,
        migration=migration,
        gas=gas,
        elapsed_s=time.monotonic() - started,
        llm=llm,
        llm_batch=llm_batch,
    )


def _place_honest(
    market: LocalMarket,
    matmul_jobs: int,
    embeddings_jobs: int,
    container_jobs: int,
    say: Callable[[str], None],
) -> list[tuple[str, Any, float]]:
    orders: list[tuple[str, Any, float]] = []
    seed = int(time.time()) % 100_000
    for i in range(matmul_jobs):
        spec = {"kind": "matmul", "n": 128, "seed_a": seed + i, "seed_b": seed + i + 1,
                "dtype": "float32"}  # fmt: skip
        order = market.submitter.submit(MATMUL_RESOURCE, spec, max_price_wei=60 * MILLI)
        orders.append(("matmul", order, time.monotonic()))
    for i in range(embeddings_jobs):
        inputs = encode_inputs(synthetic_texts(seed + 100 + i, 4))
        spec = {"kind": "embeddings", "model": "all-MiniLM-L6-v2",
                "inputs_hash": inputs_hash(inputs), "count": 4}  # fmt: skip
        order = market.submitter.submit(
            EMBEDDINGS_RESOURCE, spec, max_price_wei=6 * MILLI, inputs=inputs
        )
        orders.append(("embeddings", order, time.monotonic()))
    if container_jobs:
        image = ensure_python_image(require_engine())
        say(f"container tasks run {image} under podman (a tiny numpy training run)")
    for i in range(container_jobs):
        spec = parse_container_spec(
            {"kind": "container", "image": image, "deterministic": True, "max_seconds": 60,
             "command": ["python3", "-c", TRAIN_SCRIPT.replace("SEED", str(seed + i))]}
        ).as_json()  # fmt: skip
        order = market.submitter.submit(CONTAINER_RESOURCE, spec, max_price_wei=2 * MILLI)
        orders.append(("container", order, time.monotonic()))
    say(f"placed {len(orders)} market buys; they are run, judged and paid")
    return orders


def _honest_jobs(market: LocalMarket, orders: list[tuple[str, Any, float]]) -> list[JobLine]:
    names = _names(market)
    lines = []
    for kind, order, placed in orders:
        if not order.fills:
            raise GpucError(f"demo: the {kind} order {order.order_id} found no provider")
        terms = order.fills[0].terms
        status = _closed(market, terms, 240)
        settled = _event(market, "JobSettled", terms)
        lines.append(
            JobLine(
                kind=kind,
                provider=names.get(terms.provider, terms.provider),
                # What was paid for: a container task bills the seconds it ran.
                units=int(settled.get("units", order.fills[0].units)),
                price_per_unit_wei=terms.price_per_unit,
                paid_to_provider_wei=int(settled.get("providerPay", 0)),
                status=JobStatus(status).label,
                seconds=round(time.monotonic() - placed, 1),
            )
        )
    return lines


def _limit_batch(
    market: LocalMarket, say: Callable[[str], None], batches: list[str]
) -> tuple[BatchLine, JobTerms | None]:
    client = openai.OpenAI(
        base_url=market.matcher_url + "/v1", api_key=market.api_key(), max_retries=0
    )
    lines = [
        {"custom_id": f"q{i}", "method": "POST", "url": "/v1/embeddings",
         "body": {"model": EMBEDDINGS_RESOURCE, "input": text}}
        for i, text in enumerate(synthetic_texts(77, 3))
    ]  # fmt: skip
    uploaded = client.files.create(
        file=("demo.jsonl", "\n".join(json.dumps(x) for x in lines).encode()), purpose="batch"
    )
    price_before = market.matcher.market(EMBEDDINGS_RESOURCE).price_wei
    placed = time.monotonic()
    batch = client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/embeddings",
        completion_window="24h",
        metadata={"max_price_wei": str(BATCH_LIMIT_WEI)},
    )
    batches.append(batch.id)
    say(
        f"batch {batch.id} bids {BATCH_LIMIT_WEI} wei/input; the market asks {price_before}:"
        f" it waits ({batch.status})"
    )
    time.sleep(4)
    if client.batches.retrieve(batch.id).status != "validating":
        raise GpucError("demo: the batch filled above its limit price")
    say(f"a cheaper provider joins at {DISCOUNT.embeddings.price_wei_at(0)} wei/input")
    market.start_provider(DISCOUNT)
    wait_until(
        "the batch to fill",
        lambda: client.batches.retrieve(batch.id).status != "validating",
        60,
    )
    waited = time.monotonic() - placed

    def finished() -> Batch | None:
        found = client.batches.retrieve(batch.id)
        return found if found.status in ("completed", "failed") else None

    done = wait_until("the batch to complete", finished, 180)
    fill = _batch_fill(market, batch.id)  # opened by our opener or by `gpuc up`'s
    terms = fill.terms if fill is not None else None
    status = JobStatus.NONE if terms is None else market.protocol.job(terms).status
    opened = status != JobStatus.NONE
    chain = JobStatus(status).label if opened else "not opened"
    say(f"batch {done.status} after waiting {waited:.1f} s for the price")
    return (
        BatchLine(
            limit_wei=BATCH_LIMIT_WEI,
            price_when_placed_wei=price_before,
            waited_s=round(waited, 1),
            fill_price_wei=fill.price_per_unit_wei if fill is not None else None,
            status=done.status,
            completed_requests=done.request_counts.completed if done.request_counts else 0,
            chain_status=chain,
        ),
        terms if opened else None,
    )


def _batch_fill(market: LocalMarket, batch_id: str) -> FillView | None:
    """The fill of ``batch_id``: from our opener, else from the offers' fills."""
    assert market.opener is not None
    for opened in market.opener.opened.values():
        if opened.fill.batch_id == batch_id:
            return opened.fill
    for offer in market.matcher.offers():
        for fill in market.matcher.offer_fills(offer.offer_id):
            if fill.batch_id == batch_id:
                return fill
    return None


def _cheat(market: LocalMarket, say: Callable[[str], None]) -> CheatLine:
    say("a cheating provider joins and undercuts everyone on matmul")
    running = market.start_provider(CHEATER)
    try:
        before = market.protocol.claimable(market.consumer.address)
        spec = {"kind": "matmul", "n": 128, "seed_a": 4242, "seed_b": 4243, "dtype": "float32"}
        order = market.submitter.submit(MATMUL_RESOURCE, spec, max_price_wei=2 * MILLI)
        if not order.fills or order.fills[0].provider != running.address:
            raise GpucError("demo: the cheating provider did not get the job")
        terms = order.fills[0].terms
        status = _closed(market, terms, 120)
        slashed = _event(market, "JobSlashed", terms)
        credited = market.protocol.claimable(market.consumer.address) - before
        say(f"the forged result was caught: job {JobStatus(status).label}")
        return CheatLine(
            provider=running.address,
            budget_wei=terms.budget,
            slashed_wei=int(slashed.get("slashed", 0)),
            compensation_wei=int(slashed.get("compensation", 0)),
            consumer_credited_wei=credited,
            status=JobStatus(status).label,
        )
    finally:
        market.stop_provider(CHEATER.name)


@dataclass(frozen=True)
class _Killed:
    """A provider killed after accepting, its job, and the opener's record of the work."""

    running: RunningProvider
    first: JobTerms
    work: Work
    died: float


def _kill_after_accept(market: LocalMarket, say: Callable[[str], None]) -> _Killed | None:
    opener = market.opener
    if opener is None or opener.failover is None:
        say("failover is off for this consumer: no migration shown")
        return None
    say("a provider accepts a matmul job and is killed (SIGKILL) before it delivers")
    running = market.start_provider(VICTIM)
    spec = {"kind": "matmul", "n": 128, "seed_a": 5150, "seed_b": 5151, "dtype": "float32"}
    order = market.submitter.submit(MATMUL_RESOURCE, spec, max_price_wei=60 * MILLI)
    if not order.fills or order.fills[0].provider != running.address:
        market.stop_provider(VICTIM.name)
        raise GpucError("demo: the provider to be killed did not get the job")
    first = order.fills[0].terms
    wait_until(
        "the provider to accept",
        lambda: running.events("job_accepted") or running.events("acceptance_posted"),
        60,
        0.05,
    )
    market.stop_provider(VICTIM.name, kill=True)
    died = time.monotonic()
    work = opener.work_of(order.order_id)
    if work is None:
        raise GpucError("demo: the opener does not track the order's work")
    window = int(market.protocol.contracts.escrow.read("disputeWindow"))
    say(
        "the work moves once the killed provider can be slashed for non-delivery "
        f"(its deadline + the dispute window: in ~{_slashable_in(market, first, window)} s);"
        " the demo goes on meanwhile"
    )
    return _Killed(running, first, work, died)


def _slashable_in(market: LocalMarket, terms: JobTerms, window: int) -> int:
    """Seconds of chain time until the escrow accepts a non-delivery slash of ``terms``."""
    return max(0, terms.deadline + window + 1 - market.protocol.now())


def _migration(
    market: LocalMarket, say: Callable[[str], None], killed: _Killed | None
) -> MigrationLine | None:
    opener = market.opener
    if killed is None or opener is None:
        return None
    work = killed.work
    window = int(market.protocol.contracts.escrow.read("disputeWindow"))
    slashable_in = _slashable_in(market, killed.first, window)
    if work.attempts < 2:
        say(f"waiting ~{slashable_in} s more for the killed provider's job to be slashable")
    wait_until(
        "the work to move to another provider", lambda: work.attempts >= 2, slashable_in + 120
    )
    second = wait_until(
        "the moved job to be opened",
        lambda: next((o for o in opener.opened.values() if o.fill.order_id == work.orders[-1]),
                     None),
        60,
    )  # fmt: skip
    wait_until(
        "the moved job to be accepted",
        lambda: market.protocol.job(second.job_id).status != JobStatus.OPEN,
        60,
    )
    moved = time.monotonic() - killed.died
    names = _names(market)
    say(f"the work runs on {names.get(second.fill.provider, second.fill.provider)}"
        f" {moved:.1f} s after the kill")  # fmt: skip
    status = _closed(market, second.fill.terms, 240)
    settled = _event(market, "JobSettled", second.fill.terms)
    return MigrationLine(
        killed_provider=names.get(killed.running.address, killed.running.address),
        first_job_status=JobStatus(market.protocol.job(killed.first).status).label,
        moved_to=names.get(second.fill.provider, second.fill.provider),
        running_elsewhere_after_s=round(moved, 1),
        attempts=work.attempts,
        status=JobStatus(status).label,
        paid_to_provider_wei=int(settled.get("providerPay", 0)),
    )


def _gas(market: LocalMarket, first_block: int) -> GasLine:
    w3 = market.protocol.w3
    last = int(rpc_request(w3, "eth_blockNumber", [], "head"), 16)
    txs = gas = 0
    for number in range(first_block + 1, last + 1):
        block = rpc_request(w3, "eth_getBlockByNumber", [hex(number), False], "block")
        txs += len(block["transactions"])
        gas += int(block["gasUsed"], 16)
    return GasLine(blocks=last - first_block, transactions=txs, gas_used=gas)
