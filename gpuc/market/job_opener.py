"""The consumer's side of a match: open each matched job on chain with the consumer's wallet.

The matcher hands out job terms; only the consumer can lock the budget (the escrow wants
msg.sender == terms.consumer), so a helper that holds the consumer's key watches its
fills and opens them. Fills of orders it placed come from those orders; fills it did not
place (OpenAI batches, made with an API key) are found by scanning the offers' fills for
this consumer.

One transaction per job: the provider agent signs each fill's ``Acceptance(jobId)`` and
posts it to the matcher (protocol.wire.acceptance). The opener reads it, checks that it
recovers to the terms' provider, and opens the job already accepted
(``openAcceptedWithPermit``). When no valid acceptance arrives within
``acceptance_wait_s`` of first seeing the fill (or the one-transaction open fails), it
opens with a permit and the provider accepts on chain (two transactions).

Before money moves each fill is checked: it names this consumer, its budget is its units
times its price, the price is within the order's limit (when the order is known), its
accept deadline is still ahead, the provider is not on the consumer's block list, and the
total stays under an optional spending cap.

Failover (``failover=FailoverPolicy(...)``, docs/reputation.md): for work placed through
``track_work`` the opener watches each opened job; when its provider does not accept in
time it gets the budget back at once (cancel or refund) and places the same work again
without the providers that failed it, up to the policy's attempt limit. A provider that
goes silent while holding a job, or misses its deadline, makes the attempt suspect; the
work moves only once the escrow lets the consumer slash it for non-delivery, and the
opener sends that slash first, so the consumer never pays twice for the same work. Only
one attempt of a work is live at a time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from protocol.errors import ProtocolError, SignatureError
from protocol.failover import FailoverAction, FailoverPolicy, decide, reclaim_action
from protocol.matcher_client import FillView, MatcherClient, MatcherClientError
from protocol.reputation.routing import RoutingPreference
from protocol.roles import Consumer
from protocol.roles.consumer import OpenedJob
from protocol.tx.sender import MinedTx
from protocol.typed_data import JobStatus, JobTerms, acceptance_digest, job_id, recover_signer

__all__ = ["JobOpener", "OpenedFill", "Work", "recover_job"]

_ACCEPT_MARGIN_S = 2  # do not open a job the provider can hardly accept any more
_OPEN_ALREADY = "a job with these terms is open already"
ACCEPTANCE_WAIT_S = 3.0  # how long a fill waits for the provider's signed acceptance


@dataclass(frozen=True, slots=True)
class OpenedFill:
    fill: FillView
    job_id: bytes
    opened_at: float  # unix seconds when the open transaction was mined
    gas_used: int
    chain_opened_at: int = 0  # chain time at the open (accept timeouts count from it)
    one_tx: bool = False  # opened already accepted, with the provider's signed acceptance


@dataclass(slots=True)
class Work:
    """One piece of work the consumer wants done once, over however many attempts."""

    work_id: str  # the first order's id
    resource: str
    units: int
    max_price_wei: int
    spec: bytes
    kind: str
    routing: RoutingPreference | None = None  # the consumer's reputation preference
    orders: list[str] = field(default_factory=list)  # every placement, in order
    failed_providers: set[str] = field(default_factory=set)  # lower case
    live_fill: str | None = None  # the attempt that may still do the work
    suspect: str | None = None  # why the live attempt looks failed (it may still deliver)
    done_by: str | None = None  # provider whose job delivered
    gave_up: str | None = None  # why no attempt is left

    @property
    def attempts(self) -> int:
        return len(self.orders)


def recover_job(consumer: Consumer, terms: JobTerms) -> MinedTx | None:
    """Get the budget of a job that went wrong back, if the escrow allows it now: refund an
    Open job past its accept deadline, slash a provider that accepted and delivered nothing
    by the deadline plus the dispute window. None when neither applies (yet)."""
    escrow = consumer.contracts.escrow
    action = reclaim_action(
        consumer.protocol.job(job_id(terms)).status,
        terms,
        chain_now=consumer.protocol.now(),
        dispute_window=int(escrow.read("disputeWindow")),
    )
    if action == "refund":
        return consumer.refund(terms)
    if action == "slash":
        return consumer.sender.send(escrow.tx("slashNonDelivery", terms.as_tuple()))
    return None


class JobOpener:
    def __init__(
        self,
        consumer: Consumer,
        matcher: MatcherClient,
        *,
        spending_cap_wei: int | None = None,
        failover: FailoverPolicy | None = None,
        scan_offers: bool = True,
        on_event: Callable[[str, dict[str, object]], None] | None = None,
        clock: Callable[[], float] = time.time,
        acceptance_wait_s: float = ACCEPTANCE_WAIT_S,
    ) -> None:
        self.consumer = consumer
        self.acceptance_wait_s = acceptance_wait_s
        self._first_seen: dict[str, float] = {}  # fill id -> when this opener first saw it
        self._window: int | None = None  # the escrow's dispute window, read once
        self.matcher = matcher
        self.spending_cap_wei = spending_cap_wei
        self.failover = failover
        self.works: dict[str, Work] = {}  # work id -> its attempts
        self._work_of_order: dict[str, str] = {}  # order id -> work id
        self.scan_offers = scan_offers
        self.on_event = on_event or (lambda name, fields: None)
        self.clock = clock
        self.spent_wei = 0
        self.opened: dict[str, OpenedFill] = {}  # fill id -> what was opened
        self.refused: dict[str, str] = {}  # fill id -> why it was not opened
        self._orders: dict[str, int] = {}  # order id -> its limit price, while it can fill
        self._limits: dict[str, int] = {}  # order id -> its limit price
        self._known_offers: set[str] = set()
        self._done_orders: set[str] = set()
        self._lock = threading.Lock()

    def track_order(self, order_id: str, max_price_wei: int) -> None:
        """An order this consumer placed: its fills are checked against its limit."""
        with self._lock:
            self._orders[order_id] = max_price_wei
            self._limits[order_id] = max_price_wei

    def track_work(
        self,
        order_id: str,
        *,
        resource: str,
        units: int,
        max_price_wei: int,
        spec: bytes,
        kind: str = "limit",
        routing: RoutingPreference | None = None,
    ) -> Work:
        """An order for work that failover may place again (and whose fills are checked)."""
        work = Work(
            work_id=order_id,
            resource=resource,
            units=units,
            max_price_wei=max_price_wei,
            spec=spec,
            kind=kind,
            routing=routing,
            orders=[order_id],
        )
        with self._lock:
            self.works[order_id] = work
            self._work_of_order[order_id] = order_id
        self.track_order(order_id, max_price_wei)
        return work

    def work_of(self, order_id: str) -> Work | None:
        with self._lock:
            work_id = self._work_of_order.get(order_id)
            return None if work_id is None else self.works[work_id]

    def _fills(self) -> list[FillView]:
        with self._lock:
            orders = list(self._orders)
        found: dict[str, FillView] = {}
        for order_id in orders:
            order = self.matcher.order(order_id)
            for fill in order.fills:
                found[fill.fill_id] = fill
            if order.status != "resting":  # no more fills will come: this poll handles the last
                self._done_orders.add(order_id)
        if self.scan_offers:
            me = self.consumer.address.lower()
            self._known_offers.update(o.offer_id for o in self.matcher.offers())
            for offer_id in sorted(self._known_offers):
                for fill in self.matcher.offer_fills(offer_id):
                    if fill.consumer.lower() == me:
                        found.setdefault(fill.fill_id, fill)
        return [
            f
            for f in found.values()
            if f.fill_id not in self.opened and f.fill_id not in self.refused
        ]

    def poll(self) -> list[OpenedFill]:
        """Open every new fill that passes the checks; what was opened now."""
        opened = []
        fills = self._fills()
        for fill in fills:
            problem = self._problem(fill)
            if problem == _OPEN_ALREADY and self._adopt(fill):
                continue
            if problem is not None:
                self.refused[fill.fill_id] = problem
                self.on_event("fill_refused", {"fill": fill.fill_id, "why": problem})
                if self.failover is not None and self.failover.is_blocked(fill.provider):
                    self._place_again(fill, problem)  # the provider's fault: try another
                continue
            acceptance = self._acceptance(fill)
            first_seen = self._first_seen.setdefault(fill.fill_id, self.clock())
            if acceptance is None and self.clock() - first_seen < self.acceptance_wait_s:
                # Give the provider a moment to sign (one transaction instead of two); keep
                # following its order, even a filled one, so the next poll sees the fill.
                self._done_orders.discard(fill.order_id)
                continue
            try:
                result, one_tx = self._open(fill, acceptance)
            except ProtocolError as exc:
                self._first_seen.pop(fill.fill_id, None)
                self.refused[fill.fill_id] = str(exc)
                self.on_event("open_failed", {"fill": fill.fill_id, "why": str(exc)})
                continue
            self._first_seen.pop(fill.fill_id, None)
            record = OpenedFill(
                fill=fill,
                job_id=result.job_id,
                opened_at=self.clock(),
                gas_used=result.tx.gas_used,
                chain_opened_at=self.consumer.protocol.now(),
                one_tx=one_tx,
            )
            self.opened[fill.fill_id] = record
            work = self.work_of(fill.order_id)
            if work is not None:
                work.live_fill = fill.fill_id
            self.spent_wei += fill.terms.budget
            opened.append(record)
            self.on_event(
                "job_opened",
                {
                    "fill": fill.fill_id,
                    "job": "0x" + result.job_id.hex(),
                    "budget": fill.cost_wei,
                    "one_tx": one_tx,
                },
            )
        with self._lock:
            for order_id in self._done_orders:
                self._orders.pop(order_id, None)
            self._done_orders.clear()
        if self.failover is not None:
            self._watch()
        return opened

    def _acceptance(self, fill: FillView) -> bytes | None:
        """The provider's signed acceptance of ``fill``'s terms, if the matcher holds one
        that recovers to the terms' provider (anything else is ignored: open + accept)."""
        try:
            view = self.matcher.fill_acceptance(fill.fill_id)
        except MatcherClientError as exc:
            self.on_event("acceptance_unavailable", {"fill": fill.fill_id, "why": str(exc)})
            return None
        if view is None:
            return None
        signature = bytes.fromhex(view.signature[2:])
        digest = acceptance_digest(self.consumer.protocol.domain, job_id(fill.terms))
        try:
            signer = recover_signer(digest, signature)
        except SignatureError as exc:
            signer = f"nobody ({exc})"
        if signer != fill.terms.provider:
            self.on_event(
                "acceptance_invalid",
                {"fill": fill.fill_id, "signer": signer, "provider": fill.terms.provider},
            )
            return None
        return signature

    def _open(self, fill: FillView, acceptance: bytes | None) -> tuple[OpenedJob, bool]:
        """Open in one transaction with the acceptance; else (or if that fails) open and
        leave the accept to the provider. True when it opened accepted."""
        if acceptance is not None:
            try:
                return self.consumer.open_accepted(fill.terms, acceptance), True
            except ProtocolError as exc:  # e.g. the provider's free stake is gone
                self.on_event("open_accepted_failed", {"fill": fill.fill_id, "why": str(exc)})
                if self.consumer.protocol.job(job_id(fill.terms)).status != JobStatus.NONE:
                    raise
        return self.consumer.open_job(fill.terms), False

    def wait_opened(self, fill_id: str, timeout: float, interval: float = 0.2) -> bool:
        """Poll until ``fill_id`` is opened (True) or refused or ``timeout`` passes (False)."""
        end = time.monotonic() + timeout
        while True:
            self.poll()
            if fill_id in self.opened:
                return True
            if fill_id in self.refused or time.monotonic() > end:
                return False
            time.sleep(interval)

    # ------------------------------------------------------------------ failover

    def _silence(self, provider: str) -> float | None:
        """Seconds since ``provider`` last heartbeat at the matcher; None while it does (its
        offers gone from the book count as silent for ever)."""
        offers = self.matcher.offers(owner=provider)
        if not offers:
            return float("inf")
        return max(0.0, self.clock() - max(o.last_heartbeat for o in offers))

    def _watch(self) -> None:
        """Act on every live attempt that failed: reclaim its budget, then place it again."""
        policy = self.failover
        assert policy is not None
        with self._lock:
            works = list(self.works.values())
        live = [w for w in works if w.live_fill is not None and w.done_by is None]
        if not live:
            return
        silences: dict[str, float | None] = {}
        chain_now = self.consumer.protocol.now()
        window = self._dispute_window()
        for work in live:
            record = self.opened[str(work.live_fill)]
            terms = record.fill.terms
            provider = terms.provider.lower()
            if provider not in silences:
                silences[provider] = self._silence(terms.provider)
            action = decide(
                self.consumer.protocol.job(record.job_id).status,
                terms,
                chain_now=chain_now,
                opened_at=record.chain_opened_at,
                provider_silent_s=silences[provider],
                policy=policy,
                dispute_window=window,
            )
            if action is FailoverAction.DONE:
                work.done_by = terms.provider
                continue
            if action is FailoverAction.SUSPECT:
                if work.suspect is None:
                    work.suspect = "the provider went silent or missed its deadline"
                    self.on_event(
                        "attempt_suspect",
                        {
                            "work": work.work_id,
                            "job": "0x" + record.job_id.hex(),
                            "provider": terms.provider,
                            "moves_at": terms.deadline + window + 1,  # chain time
                        },
                    )
                continue
            if action is FailoverAction.WAIT:
                continue
            why = {
                FailoverAction.CANCEL: "not accepted within the consumer's accept timeout",
                FailoverAction.REFUND: "not accepted before the accept deadline",
                FailoverAction.MIGRATE: "accepted and delivered nothing by its deadline",
                FailoverAction.REPLACE: "the job was slashed or refunded",
            }[action]
            try:  # the budget comes back first: never two attempts that can both be paid
                if action is FailoverAction.CANCEL:
                    self.consumer.cancel(terms)
                elif action is FailoverAction.REFUND:
                    self.consumer.refund(terms)
                elif action is FailoverAction.MIGRATE:
                    escrow = self.consumer.contracts.escrow
                    self.consumer.sender.send(escrow.tx("slashNonDelivery", terms.as_tuple()))
            except ProtocolError as exc:  # accepted or delivered meanwhile: look again
                self.on_event(
                    "reclaim_failed", {"job": "0x" + record.job_id.hex(), "why": str(exc)}
                )
                continue
            if action is not FailoverAction.REPLACE:
                self.spent_wei -= terms.budget
            self.on_event(
                "job_failed_over",
                {
                    "work": work.work_id,
                    "job": "0x" + record.job_id.hex(),
                    "provider": terms.provider,
                    "action": action.value,
                    "why": why,
                    "status": JobStatus(self.consumer.protocol.job(record.job_id).status).label,
                },
            )
            self._place_again(record.fill, why)

    def _dispute_window(self) -> int:
        if self._window is None:
            self._window = int(self.consumer.contracts.escrow.read("disputeWindow"))
        return self._window

    def _place_again(self, fill: FillView, why: str) -> None:
        """Place ``fill``'s work again without its provider, if attempts are left."""
        work = self.work_of(fill.order_id)
        policy = self.failover
        if work is None or policy is None or work.live_fill not in (None, fill.fill_id):
            return
        work.live_fill = None
        work.suspect = None
        work.failed_providers.add(fill.provider.lower())
        if work.attempts >= policy.max_attempts:
            work.gave_up = f"{work.attempts} attempts failed; last: {why}"
            self.on_event("work_abandoned", {"work": work.work_id, "why": work.gave_up})
            return
        exclude = sorted(work.failed_providers | {b.lower() for b in policy.blocked})
        try:
            order = self.matcher.place_order(
                work.resource,
                units=work.units,
                max_price_wei=work.max_price_wei,
                spec=work.spec,
                kind="limit",  # rest until another provider can take it
                all_or_none=True,
                exclude_providers=exclude,
                routing=work.routing,
            )
        except MatcherClientError as exc:
            work.gave_up = f"placing again failed: {exc}"
            self.on_event("work_abandoned", {"work": work.work_id, "why": work.gave_up})
            return
        with self._lock:
            work.orders.append(order.order_id)
            self._work_of_order[order.order_id] = work.work_id
        self.track_order(order.order_id, work.max_price_wei)
        self.on_event(
            "work_placed_again",
            {
                "work": work.work_id,
                "order": order.order_id,
                "attempt": work.attempts,
                "without": exclude,
            },
        )

    def _problem(self, fill: FillView) -> str | None:
        terms: JobTerms = fill.terms
        if terms.consumer != self.consumer.address:
            return f"the terms name consumer {terms.consumer}, not {self.consumer.address}"
        if terms.budget != fill.units * fill.price_per_unit_wei or terms.budget != fill.cost_wei:
            return "the budget is not units x price"
        if terms.price_per_unit != fill.price_per_unit_wei:
            return "the terms' price is not the fill's price"
        limit = self._limits.get(fill.order_id)
        if limit is not None and fill.price_per_unit_wei > limit:
            return f"price {fill.price_per_unit_wei} is above the order's limit {limit}"
        if self.failover is not None and self.failover.is_blocked(terms.provider):
            return f"provider {terms.provider} is on the consumer's block list"
        work = self.work_of(fill.order_id)
        if work is not None and work.live_fill is not None and work.live_fill != fill.fill_id:
            return f"work {work.work_id} already has a live attempt ({work.live_fill})"
        if terms.accept_deadline <= self.consumer.protocol.now() + _ACCEPT_MARGIN_S:
            return "the accept deadline has passed"
        cap = self.spending_cap_wei
        if cap is not None and self.spent_wei + terms.budget > cap:
            return f"opening it would spend more than the cap of {cap} wei"
        if self.consumer.protocol.job(job_id(terms)).status != JobStatus.NONE:
            return _OPEN_ALREADY
        return None

    def _adopt(self, fill: FillView) -> bool:
        """Follow as ours a job of our own work that another process holding our key opened
        first (``gpuc up``'s opener beside ``gpuc demo --market``'s), so failover still
        covers the work. False when the work is not ours or has a live attempt."""
        work = self.work_of(fill.order_id)
        if work is None or work.live_fill is not None:
            return False
        self.opened[fill.fill_id] = OpenedFill(
            fill=fill,
            job_id=job_id(fill.terms),
            opened_at=self.clock(),
            gas_used=0,
            chain_opened_at=self.consumer.protocol.now(),
        )
        work.live_fill = fill.fill_id
        self.spent_wei += fill.terms.budget
        self.on_event("job_adopted", {"fill": fill.fill_id, "job": "0x" + job_id(fill.terms).hex()})
        return True

    def run(self, stop: threading.Event, interval: float = 0.5) -> None:
        """Poll until ``stop``; the matcher or chain being briefly away is reported, not fatal."""
        while not stop.is_set():
            try:
                self.poll()
            except (MatcherClientError, ProtocolError) as exc:
                self.on_event("opener_poll_failed", {"why": str(exc)})
            stop.wait(interval)
