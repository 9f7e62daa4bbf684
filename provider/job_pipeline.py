"""One matched, opened job from accept to a delivered receipt (runs in a worker thread).

Oracle-judged kinds (matmul, embeddings): fetch and check the spec by its hash, accept on
chain, run it in its own process, store the result where the oracles fetch it, sign the
EIP-712 receipt and POST it to every oracle; the committee settles. OpenAI batches (the
matcher holds the request file): accept, run, return the responses to the matcher, and
commit the result hash on chain; the job pays after an undisputed window (finalize).

Any failure is logged and the job is left: the consumer gets its budget back after the
deadline, and the agent keeps serving.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from typing import Protocol as _Interface

import httpx
import numpy as np

from protocol.client import Protocol
from protocol.compute.container_result import unpack_result
from protocol.matcher_client import FillView, MatcherClient
from protocol.roles import Provider
from protocol.typed_data import JobStatus, JobTerms, job_id
from protocol.wire.oracle import OracleAnswer, ReceiptSubmission
from provider.agent_config import AgentConfig, OfferConfig
from provider.agent_log import AgentLog
from provider.documents import DocumentFetcher, JobDocuments
from provider.errors import AgentError
from provider.execution.executor import JobExecutor
from provider.execution.job import JobRequest
from provider.execution.limits import ResourceLimits
from provider.execution.outcome import AnyOutcome, Succeeded
from provider.images import ImageLoader
from provider.openai_batch import (
    BatchRequest,
    batch_spec,
    embedding_responses,
    parse_batch,
    results_bytes,
)
from provider.oracle_directory import OracleDirectory, deliver_receipt
from provider.receipts import receipt_for
from provider.results.server import ResultServer
from provider.results.store import ResultStore

__all__ = ["Delivered", "JobPipeline", "ResultTamper"]

_ORACLE_RETRY_S = 20.0  # keep offering a receipt to oracles that did not take it
_DEADLINE_MARGIN_S = 10  # leave this much of the job's time for storing and signing


class ResultTamper(_Interface):
    """A development hook on a judged job's result before it is stored and signed:
    returns (result, units or None for the measured ones, a label for the log). Only
    `gpuc provider run --cheat` passes one (gpuc.devnet.cheat); the production agent has
    none, and the provider package holds no cheat code."""

    def __call__(
        self, spec: dict[str, Any], result: bytes, units: int
    ) -> tuple[bytes, int | None, str]: ...


@dataclass(frozen=True, slots=True)
class Delivered:
    """A job whose receipt went out: the settlement watcher follows it to payment."""

    terms: JobTerms
    job_id: bytes
    fill_id: str
    kind: str
    optimistic: bool  # committed on chain; pays by finalize after the dispute window


class JobPipeline:
    def __init__(
        self,
        *,
        protocol: Protocol,
        role: Provider,
        config: AgentConfig,
        executor: JobExecutor,
        fetcher: DocumentFetcher,
        store: ResultStore,
        server: ResultServer,
        matcher: MatcherClient,
        http: httpx.Client,
        log: AgentLog,
        clock: Callable[[], float] = time.time,
        tamper: ResultTamper | None = None,
        oracles: OracleDirectory | None = None,
    ) -> None:
        self.protocol = protocol
        self.role = role
        self.config = config
        self.executor = executor
        self.fetcher = fetcher
        self.store = store
        self.server = server
        self.matcher = matcher
        self.http = http
        self.log = log
        self.clock = clock
        self.tamper = tamper
        self.images = ImageLoader(fetcher, config.data_dir / "images")
        # The oracles' URLs (the agent's directory re-reads the members' endpoints).
        self.oracles = oracles or OracleDirectory(config.oracle_urls, None, log)

    def run(self, offer: OfferConfig, fill: FillView) -> Delivered | None:
        jid = job_id(fill.terms)
        try:
            if fill.batch_id is not None:
                return self._run_batch(fill, jid)
            return self._run_judged(offer, fill, jid)
        except Exception as exc:  # one bad job must never stop the agent
            self.log.event(
                "job_failed", job=jid, fill=fill.fill_id, error=type(exc).__name__, detail=str(exc)
            )
            return None

    # ------------------------------------------------------------------ committing to a job

    def admit(self, offer: OfferConfig, fill: FillView) -> None:
        """The checks the agent makes before it commits to a job, by accepting it on chain
        or by signing its acceptance: the terms name this provider, leave time to run it,
        and the work is what the offer sells and can be read. Raises AgentError."""
        if fill.batch_id is not None:
            self._admit_batch(fill)
        else:
            self._admit_judged(offer, fill)

    def _admit_common(self, terms: JobTerms) -> None:
        if terms.provider != self.role.address:
            raise AgentError(f"the terms name provider {terms.provider}, not {self.role.address}")
        self._limits(terms)  # raises when the deadline leaves no time to run it

    def _admit_judged(self, offer: OfferConfig, fill: FillView) -> JobDocuments:
        self._admit_common(fill.terms)
        documents = self.fetcher.job(fill.terms.spec)
        if documents.spec.kind != offer.kind:
            raise AgentError(
                f"the spec is a {documents.spec.kind} job, the offer sells {offer.kind}"
            )
        documents.image_url = self.images.ensure(documents.spec)  # a consumer's image archive
        return documents

    def _admit_batch(self, fill: FillView) -> list[BatchRequest]:
        self._admit_common(fill.terms)
        return parse_batch(self.matcher.fill_input(fill.fill_id))

    def sign_acceptance(self, offer: OfferConfig, fill: FillView) -> bool:
        """Accept a fill off chain: after the same checks as the on-chain accept (and that
        the free stake covers its collateral), sign ``Acceptance(jobId)`` of its exact terms
        and post it to the matcher, where the consumer's opener picks it up and opens the
        job accepted in one transaction. Signing commits the agent to the job: once opened
        it is run like any accepted one. False (logged) when the agent would not accept."""
        terms = fill.terms
        jid = job_id(terms)
        try:
            if self.protocol.job(jid).status != JobStatus.NONE:
                return False  # opened already (open + accept path): nothing to sign
            self.admit(offer, fill)
            collateral = int(self.protocol.contracts.escrow.read("collateralFor", terms.budget))
            free = self.role.provider_status().free
            if free < collateral:
                raise AgentError(f"free stake {free} does not cover the collateral {collateral}")
            signature = self.role.sign_acceptance(terms)
            self.matcher.post_acceptance(fill.fill_id, signature)
        except Exception as exc:  # the consumer falls back to open + accept (or gives up)
            self.log.event(
                "acceptance_refused",
                job=jid,
                fill=fill.fill_id,
                error=type(exc).__name__,
                detail=str(exc),
            )
            return False
        self.log.event("acceptance_posted", job=jid, fill=fill.fill_id, collateral=collateral)
        return True

    # ------------------------------------------------------------------ shared steps

    def _accept(self, terms: JobTerms, jid: bytes, fill: FillView) -> None:
        status = self.protocol.job(jid).status
        if status == JobStatus.OPEN:
            accepted = self.role.accept(terms)
            self.log.event(
                "job_accepted",
                job=jid,
                fill=fill.fill_id,
                collateral=accepted.collateral,
                gas_used=accepted.tx.gas_used,
            )
        elif status == JobStatus.ACCEPTED:
            # Opened with this provider's signed acceptance (JobEscrow.openAccepted): the
            # open already locked the collateral, no accept transaction is needed.
            self.log.event("job_accepted_at_open", job=jid, fill=fill.fill_id)
        else:
            raise AgentError(f"job 0x{jid.hex()} is {JobStatus(status).label}, not Open")

    def _limits(self, terms: JobTerms) -> ResourceLimits:
        left = terms.deadline - self.protocol.now() - _DEADLINE_MARGIN_S
        if left <= 1:
            raise AgentError(f"the job's deadline {terms.deadline} leaves no time to run it")
        wall = min(self.config.job_wall_s, float(left))
        return ResourceLimits(
            wall_seconds=wall,
            memory_bytes=self.config.job_memory_bytes,
            container_cpus=self.config.container_cpus,
            container_pids=self.config.container_pids,
        )

    def _execute(self, fill: FillView, request: JobRequest, terms: JobTerms) -> Succeeded:
        # A container task's log can be followed live while it runs (provider.results).
        follow = (
            {"log_url": self.server.log_url(request.job_id)} if request.kind == "container" else {}
        )
        self.log.event(
            "job_started", job=request.job_id, fill=fill.fill_id, kind=request.kind, **follow
        )
        outcome: AnyOutcome = self.executor.run(request, self._limits(terms))
        if not isinstance(outcome, Succeeded):
            detail = getattr(outcome, "detail", "")
            raise AgentError(f"the job ended {outcome.status} {detail}".strip())
        self.log.event(
            "job_executed",
            job=request.job_id,
            fill=fill.fill_id,
            units=outcome.units,
            wall_s=round(outcome.wall_seconds, 3),
            **_container_facts(request.kind, outcome.result),
        )
        return outcome

    # ------------------------------------------------------------------ oracle-judged kinds

    def _run_judged(self, offer: OfferConfig, fill: FillView, jid: bytes) -> Delivered:
        terms = fill.terms
        documents = self._admit_judged(offer, fill)  # never accept the unrunnable
        self._accept(terms, jid, fill)
        request = JobRequest(job_id=jid, spec=documents.document, inputs=documents.inputs)
        outcome = self._execute(fill, request, terms)
        result, units = outcome.result, None
        if self.tamper is not None:
            result, units, label = self.tamper(documents.document, outcome.result, outcome.units)
            self.log.event("result_forged", job=jid, strategy=label)
        digest = self.store.put(result)
        self._publish_result(jid, result)
        receipt = receipt_for(outcome, max_units=terms.max_units, result_hash=digest, units=units)
        signed = self.role.sign_receipt(
            terms,
            result_hash=receipt.result_hash,
            units=receipt.units,
            started_at=receipt.started_at,
            finished_at=receipt.finished_at,
        )
        submission = ReceiptSubmission(
            terms=terms,
            receipt=signed.receipt,
            signature=signed.signature,
            result_url=self.server.result_url(digest),
            spec=documents.document,
            inputs_url=documents.inputs_url,
            committed_on_chain=False,
            image_url=documents.image_url,
        )
        answers = self._post_to_oracles(submission)
        taken = sum(1 for a in answers if a.status is not None and a.status < 300)
        self.log.event(
            "receipt_posted",
            job=jid,
            fill=fill.fill_id,
            units=receipt.units,
            result_hash=digest,
            oracles_taken=taken,
            answers=[a.model_dump() for a in answers if a.status != 202],
        )
        if taken == 0:
            raise AgentError("no oracle took the receipt: " + "; ".join(a.detail for a in answers))
        return Delivered(
            terms=terms, job_id=jid, fill_id=fill.fill_id, kind=offer.kind, optimistic=False
        )

    def _publish_result(self, jid: bytes, result: bytes) -> None:
        """Copy the result to the document store, where the consumer fetches it by the hash
        the job commits to (`gpuc job result`); the oracles use this agent's result URL."""
        where = self.fetcher.publish(result)
        if where is None:
            self.log.event("result_not_published", job=jid, sources=list(self.fetcher.sources))

    def _post_to_oracles(self, submission: ReceiptSubmission) -> list[OracleAnswer]:
        # No answer or a server-side error: that oracle may be restarting; try again, and
        # read the members' endpoints again (one may have joined or moved).
        return deliver_receipt(self.oracles, submission, self.http, retry_s=_ORACLE_RETRY_S)

    # ------------------------------------------------------------------ OpenAI batches

    def _run_batch(self, fill: FillView, jid: bytes) -> Delivered:
        terms = fill.terms
        requests = self._admit_batch(fill)
        self._accept(terms, jid, fill)
        job = batch_spec(requests)
        vectors = None
        started = finished = self.clock()
        if job is not None:
            spec, inputs = job
            outcome = self._execute(fill, JobRequest(job_id=jid, spec=spec, inputs=inputs), terms)
            vectors = np.load(io.BytesIO(outcome.result), allow_pickle=False)
            started, finished = outcome.started_at, outcome.finished_at
        results = embedding_responses(requests, vectors)
        self.matcher.fill_result(fill.fill_id, results)
        digest = self.store.put(results_bytes(results))
        self._publish_result(jid, results_bytes(results))
        units = max(1, min(fill.units, terms.max_units))
        submitted = self.role.submit_receipt(
            terms,
            result_hash=digest,
            units=units,
            started_at=int(started),
            finished_at=int(finished) + 1,
        )
        self.log.event(
            "receipt_committed",
            job=jid,
            fill=fill.fill_id,
            batch=fill.batch_id,
            units=units,
            result_hash=digest,
            gas_used=submitted.tx.gas_used,
        )
        return Delivered(
            terms=terms, job_id=jid, fill_id=fill.fill_id, kind="openai-batch", optimistic=True
        )


def _container_facts(kind: str, result: bytes) -> dict[str, Any]:
    """What a container task used and wrote, for the agent's log (the same figures the
    consumer reads in the result's manifest)."""
    if kind != "container":
        return {}
    manifest = unpack_result(result).manifest
    return {
        "metrics": manifest.metrics.model_dump(),
        "exit_code": manifest.exit_code,
        "log_hash": manifest.log_hash,
        "outputs": sorted(manifest.outputs),
    }
