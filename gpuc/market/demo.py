"""A scripted session against a market (ours or a running `gpuc up`), for `gpuc demo`.

1. Honest jobs: matmul and embeddings market buys, opened on chain, run, judged, paid;
   and, when the market runs an LLM provider, a chat answer bought in real time from a
   session escrow through the gateway (gpuc.market.llm_demo).
2. A limit-buy batch from the official `openai` client bids below every provider; it
   waits until a cheaper provider joins (the price drops), then fills and runs.
3. A cheating provider forges a result; the committee slashes it and the consumer gets
   its budget back plus compensation.
4. Gas: every transaction the chain mined during the session.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import openai
from openai.types import Batch
from pydantic import BaseModel

from gpuc.errors import GpucError
from gpuc.market.llm_demo import LLMChatLine, buy_chat_answer
from gpuc.market.local_market import LocalMarket
from gpuc.market.plan import EMBEDDINGS_RESOURCE, MATMUL_RESOURCE, MILLI, ProviderPlan
from gpuc.market.waiting import wait_until
from protocol.compute.embedding_inputs import encode_inputs, inputs_hash, synthetic_texts
from protocol.pricing import FixedPricing
from protocol.rpc import rpc_request
from protocol.typed_data import JobStatus, JobTerms, job_id

__all__ = ["DemoReport", "run_demo"]

_CLOSED = (JobStatus.SETTLED, JobStatus.SLASHED, JobStatus.REFUNDED)
CHEATER = ProviderPlan(
    name="cheater",
    account=6,
    matmul=FixedPricing(price_wei=MILLI),
    embeddings=FixedPricing(price_wei=100 * MILLI),
    cheat=True,
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


class GasLine(BaseModel):
    blocks: int
    transactions: int
    gas_used: int


class DemoReport(BaseModel):
    jobs: list[JobLine]
    batch: BatchLine
    cheat: CheatLine
    gas: GasLine
    elapsed_s: float
    llm: LLMChatLine | None = None


def _closed(market: LocalMarket, terms: JobTerms, timeout: float) -> int:
    def done() -> int | None:
        status = market.protocol.job(terms).status
        return status if status in _CLOSED else None

    return int(wait_until(f"job 0x{job_id(terms).hex()[:12]} to close", done, timeout))


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
    say: Callable[[str], None] = lambda text: None,
) -> DemoReport:
    started = time.monotonic()
    first_block = int(rpc_request(market.protocol.w3, "eth_blockNumber", [], "head"), 16)
    jobs = _honest_jobs(market, matmul_jobs, embeddings_jobs, say)
    llm = buy_chat_answer(market, say) if market.llm_urls else None
    batch, batch_terms = _limit_batch(market, say)
    cheat = _cheat(market, say)
    if batch_terms is not None:
        window = int(market.protocol.contracts.escrow.read("disputeWindow"))
        say(f"waiting up to {window} s (the dispute window) for the batch job's payout")
        status = _closed(market, batch_terms, window + 30)
        batch = batch.model_copy(update={"chain_status": JobStatus.NAMES[status]})
    market.stop_provider(DISCOUNT.name)
    gas = _gas(market, first_block)
    return DemoReport(
        jobs=jobs,
        batch=batch,
        cheat=cheat,
        gas=gas,
        elapsed_s=time.monotonic() - started,
        llm=llm,
    )


def _honest_jobs(
    market: LocalMarket, matmul_jobs: int, embeddings_jobs: int, say: Callable[[str], None]
) -> list[JobLine]:
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
    say(f"placed {len(orders)} market buys; waiting for them to be run, judged and paid")
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
                units=order.fills[0].units,
                price_per_unit_wei=terms.price_per_unit,
                paid_to_provider_wei=int(settled.get("providerPay", 0)),
                status=JobStatus.NAMES[status],
                seconds=round(time.monotonic() - placed, 1),
            )
        )
    return lines


def _limit_batch(
    market: LocalMarket, say: Callable[[str], None]
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
    assert market.opener is not None
    opened = [o for o in market.opener.opened.values() if o.fill.batch_id == batch.id]
    terms = opened[0].fill.terms if opened else None
    chain = JobStatus.NAMES[market.protocol.job(terms).status] if terms else "not opened"
    say(f"batch {done.status} after waiting {waited:.1f} s for the price")
    return (
        BatchLine(
            limit_wei=BATCH_LIMIT_WEI,
            price_when_placed_wei=price_before,
            waited_s=round(waited, 1),
            fill_price_wei=opened[0].fill.price_per_unit_wei if opened else None,
            status=done.status,
            completed_requests=done.request_counts.completed if done.request_counts else 0,
            chain_status=chain,
        ),
        terms,
    )


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
        say(f"the forged result was caught: job {JobStatus.NAMES[status]}")
        return CheatLine(
            provider=running.address,
            budget_wei=terms.budget,
            slashed_wei=int(slashed.get("slashed", 0)),
            compensation_wei=int(slashed.get("compensation", 0)),
            consumer_credited_wei=credited,
            status=JobStatus.NAMES[status],
        )
    finally:
        market.stop_provider(CHEATER.name)


def _gas(market: LocalMarket, first_block: int) -> GasLine:
    w3 = market.protocol.w3
    last = int(rpc_request(w3, "eth_blockNumber", [], "head"), 16)
    txs = gas = 0
    for number in range(first_block + 1, last + 1):
        block = rpc_request(w3, "eth_getBlockByNumber", [hex(number), False], "block")
        txs += len(block["transactions"])
        gas += int(block["gasUsed"], 16)
    return GasLine(blocks=last - first_block, transactions=txs, gas_used=gas)
