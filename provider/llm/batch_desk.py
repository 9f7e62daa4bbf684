"""The LLM provider's limit-buy side: a standing offer for its model in the matcher's book
(priced per 1k tokens at the server's price now) and the Batch API jobs it fills.

A chat/completion batch is an all-or-none limit buy: it rests in the book until this
offer's price is at or below its limit, fills, and the consumer opens the fill's escrow
job. The desk then runs it like the embeddings agent runs its batches (optimistic path):
accept on chain, run every line through the provider's own engine (provider.llm.batch),
return the responses to the matcher (which writes OpenAI's output and error files), and
commit (result hash, units = tokens rounded up to 1k) on chain; the job pays after an
undisputed dispute window (finalize, payOut, claim: provider.settlements).

Why not a session per batch: a session needs the consumer's session key on every request,
and a batch's requests are run by the provider on its own, long after the consumer
uploaded them; the batch job is already one escrow for many requests, its units are
tokens, and the matcher already routes, cancels and retries batch lines.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from protocol.llm.engine import Engine
from protocol.matcher_client import FillView, MatcherClient, MatcherRefused
from protocol.pricing import FixedPricing
from protocol.roles import Provider
from protocol.typed_data import JobStatus, job_id
from protocol.wire.llm_metrics import LLMOfferMetrics
from protocol.wire.llm_offer import LLMListing
from provider.agent_log import AgentLog
from provider.errors import AgentError
from provider.job_pipeline import Delivered
from provider.llm.batch import TOKENS_PER_UNIT, BatchRun, billed_units, run_batch
from provider.openai_batch import results_bytes
from provider.results.content_hash import result_hash
from provider.settlements import SettlementWatcher

__all__ = ["CANCEL_CHECK_S", "LLMBatchDesk"]

CANCEL_CHECK_S = 5.0


class LLMBatchDesk:
    """Call :meth:`tick` in a loop (:meth:`run`); every step is logged to ``log``."""

    def __init__(
        self,
        engine: Engine,
        role: Provider,
        matcher: MatcherClient,
        price_per_token: Callable[[], int],
        log: AgentLog,
        *,
        tokens_per_s: Callable[[], float] = lambda: 0.0,
        metrics: Callable[[], LLMOfferMetrics] | None = None,
        on_run: Callable[[BatchRun, float], None] = lambda run, busy_s: None,
        heartbeat_s: float = 15.0,
        reprice_s: float = 2.0,
        listing: LLMListing | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.role = role
        self.matcher = matcher
        self.price_per_token = price_per_token
        self.tokens_per_s = tokens_per_s
        self.metrics = metrics
        self.on_run = on_run
        self.log = log
        self.heartbeat_s = heartbeat_s
        # Where gateways reach this server (the same offer serves sessions and batches).
        self.listing = listing
        self.reprice_s = reprice_s
        self._next_reprice = 0.0
        self.clock = clock
        self.offer_id: str | None = None
        self.offered_price: int | None = None  # per 1k tokens, as the book has it
        self._offers: list[str] = []  # every offer this desk registered (fills of old ones too)
        self._seen: set[str] = set()
        self._awaiting: dict[bytes, FillView] = {}
        self._running: dict[bytes, Future[Delivered | None]] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="llm-batch")
        self._next_heartbeat = 0.0
        self.settlements = SettlementWatcher(role.protocol, role, log)

    @property
    def resource(self) -> str:
        return self.engine.model

    def price_per_1k(self) -> int:
        return max(self.price_per_token(), 1) * TOKENS_PER_UNIT

    def _capacity(self) -> float:
        # Units (1k tokens) per second; before any run, a floor of 10 tokens/s.
        return max(self.tokens_per_s() / TOKENS_PER_UNIT, 0.01)

    # ------------------------------------------------------------------ the book

    def register(self) -> None:
        price = self.price_per_1k()
        offer = self.matcher.register_offer(
            self.resource, FixedPricing(price_wei=price), self._capacity(), llm=self.listing
        )
        self.offer_id, self.offered_price = offer.offer_id, price
        self._offers.append(offer.offer_id)
        self._next_heartbeat = self.clock() + self.heartbeat_s
        self.log.event(
            "offer_registered", offer=offer.offer_id, resource=self.resource, price_wei=price
        )
        self._report()

    def _report(self) -> None:
        """The offer's LLM metrics for the matcher's dashboard (with every heartbeat)."""
        if self.metrics is not None and self.offer_id is not None:
            self.matcher.put_llm_metrics(self.offer_id, self.metrics())

    def _keep_offer(self) -> None:
        if self.offer_id is None:
            self.register()
            return
        if self.clock() >= self._next_heartbeat:
            self._next_heartbeat = self.clock() + self.heartbeat_s
            try:
                self.matcher.heartbeat(self.offer_id)
            except MatcherRefused as exc:
                if exc.status != 404:
                    raise
                self.log.event("offer_expired", offer=self.offer_id)
                self.register()
                return
            self._report()
        if self.clock() < self._next_reprice:  # a utilization price moves every request
            return
        self._next_reprice = self.clock() + self.reprice_s
        price = self.price_per_1k()
        if price != self.offered_price:
            self.matcher.update_offer(self.offer_id, strategy=FixedPricing(price_wei=price))
            self.log.event("offer_repriced", offer=self.offer_id, price_wei=price)
            self.offered_price = price

    def withdraw(self) -> None:
        if self.offer_id is not None:
            with contextlib.suppress(MatcherRefused):  # already gone from the book
                self.matcher.withdraw_offer(self.offer_id)
            self.log.event("offer_withdrawn", offer=self.offer_id)
            self.offer_id = None

    # ------------------------------------------------------------------ the loop

    def run(self, stop: threading.Event, poll_s: float = 0.5) -> None:
        """Serve until ``stop`` is set; a failing step is logged and tried again."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception as exc:  # the matcher or the chain may be briefly away
                self.log.event("tick_failed", error=type(exc).__name__, detail=str(exc))
            stop.wait(poll_s)

    def tick(self) -> None:
        self._keep_offer()
        for offer_id in list(self._offers):
            for fill in self.matcher.offer_fills(offer_id):
                if fill.fill_id in self._seen:
                    continue
                self._seen.add(fill.fill_id)
                self.log.event("fill_seen", fill=fill.fill_id, batch=fill.batch_id)
                if fill.batch_id is not None:
                    self._awaiting[job_id(fill.terms)] = fill
        self._dispatch_opened()
        self.settlements.poll()

    def _dispatch_opened(self) -> None:
        """Opened fills go to the worker (one batch at a time: the engine runs one
        generation at a time anyway), so heartbeats and metrics go on while it runs."""
        now = self.role.protocol.now()
        for jid, fill in list(self._awaiting.items()):
            status = self.role.protocol.job(jid).status
            if status in (JobStatus.OPEN, JobStatus.ACCEPTED):
                del self._awaiting[jid]
                self._running[jid] = self._worker.submit(self._run_logged, fill)
            elif status != JobStatus.NONE or now > fill.terms.accept_deadline:
                del self._awaiting[jid]
                self.log.event("fill_dropped", job=jid, status=JobStatus(status).label)
        for jid, future in list(self._running.items()):
            if future.done():
                del self._running[jid]
                delivered = future.result()
                if delivered is not None:
                    self.settlements.follow(delivered)

    def _run_logged(self, fill: FillView) -> Delivered | None:
        try:
            return self.run_fill(fill)
        except Exception as exc:  # one bad job must never stop the desk
            self.log.event(
                "job_failed", job=job_id(fill.terms), fill=fill.fill_id,
                error=type(exc).__name__, detail=str(exc),
            )  # fmt: skip
            return None

    def _cancelled(self, fill: FillView) -> Callable[[], bool]:
        """Asked before each line: has the consumer cancelled the batch? (The matcher then
        refuses the fill's input; asked at most every CANCEL_CHECK_S seconds.)"""
        next_check = self.clock() + CANCEL_CHECK_S
        cancelled = False

        def check() -> bool:
            nonlocal next_check, cancelled
            if not cancelled and self.clock() >= next_check:
                next_check = self.clock() + CANCEL_CHECK_S
                try:
                    self.matcher.fill_input(fill.fill_id)
                except MatcherRefused as exc:
                    cancelled = exc.status == 409
            return cancelled

        return check

    def run_fill(self, fill: FillView) -> Delivered:
        """Accept the batch's job, run its lines, return them, commit the result on chain."""
        terms = fill.terms
        jid = job_id(terms)
        content = self.matcher.fill_input(fill.fill_id)  # refused once the batch is cancelled
        status = self.role.protocol.job(jid).status
        if status == JobStatus.OPEN:
            self.role.accept(terms)
        elif status != JobStatus.ACCEPTED:
            raise AgentError(f"job 0x{jid.hex()} is {JobStatus(status).label}, not Open")
        self.log.event("job_accepted", job=jid, fill=fill.fill_id, batch=fill.batch_id)
        started = self.role.protocol.now()
        busy = time.monotonic()
        run = run_batch(self.engine, content, should_stop=self._cancelled(fill))
        self.on_run(run, time.monotonic() - busy)
        answer: dict[str, Any] = self.matcher.fill_result(fill.fill_id, run.results)
        result = results_bytes(run.results)
        units = billed_units(run.tokens, terms.max_units)
        submitted = self.role.submit_receipt(
            terms,
            result_hash=result_hash(result),
            units=units,
            started_at=started,
            finished_at=self.role.protocol.now() + 1,
        )
        self.log.event(
            "receipt_committed",
            job=jid,
            fill=fill.fill_id,
            batch=fill.batch_id,
            batch_status=answer.get("status"),
            lines=len(run.results),
            answered=run.answered,
            tokens=run.tokens,
            units=units,
            gas_used=submitted.tx.gas_used,
        )
        return Delivered(
            terms=terms, job_id=jid, fill_id=fill.fill_id, kind="llm-batch", optimistic=True
        )
