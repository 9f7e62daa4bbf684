"""Judge an ``llm`` session: the receipt-level checks every kind shares, then the
session's bill chain and a secret sample of its requests re-run with the reference
engine (oracles.verify.llm).

An ``llm`` job's receipt commits units = tokens billed and result hash = the head of
the bill's hash chain (protocol.llm.bill); its ``result_url`` is the session's URL on
the provider's LLM server, where the chain and the exchanges are fetched from
(oracles.llm_fetch). The sample is drawn only after the chain was fetched and
checked against the committed head, keyed by this oracle's secret, the job id and
that head, so the provider cannot know which requests will be re-run.

The reference engine is loaded on the first session judged (tens of seconds) and
kept; tests pass a loaded one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
from pydantic import ValidationError

from oracles.db import Database
from oracles.errors import InvalidVerificationRequest, OracleConfigError
from oracles.llm_fetch import fetch_exchanges, fetch_links
from oracles.submission import ReceiptSubmission
from oracles.verify.llm import (
    DEFAULT_LLM_SAMPLE_SIZE,
    DEFAULT_LOGPROB_TOLERANCE,
    ReferenceScorer,
    sample_indices,
    verify_session,
)
from oracles.verify.receipt_check import check_receipt, ensure_spec_matches
from oracles.verify.report import FailureCode, KindCheck, VerificationReport
from oracles.verify.request import VerificationRequest
from protocol.llm.bill import BillLink, Exchange, SignedBill, verify_chain
from protocol.llm.errors import BillError, LLMError
from protocol.llm.spec import LLMSessionSpec
from protocol.typed_data import Domain, Receipt

__all__ = [
    "LLM_KIND",
    "ConsumerBills",
    "LLMSessionJudge",
    "ScorerLoader",
    "default_scorer_loader",
    "rate_from_config",
]

LLM_KIND = "llm"
# Without a configured token rate for ``llm`` (the oracle config's ``throughput``),
# only the receipt's times are checked, not tokens per second.
_NO_RATE_LIMIT = 1e12

ScorerLoader = Callable[[str], ReferenceScorer]
_BILL_KEY = "llm_consumer_bill:0x{}"


class ConsumerBills:
    """The latest provider-signed bill each session's consumer handed in (POST
    /llm/bills), kept in the oracle's database: one per job, the highest ``seq``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, job_id: bytes) -> SignedBill | None:
        stored = self.db.get_meta(_BILL_KEY.format(job_id.hex()))
        return None if stored is None else SignedBill.model_validate_json(stored)

    def put(self, bill: SignedBill) -> bool:
        """Keep ``bill`` unless one with at least its ``seq`` is kept; True if kept."""
        held = self.get(bill.job_id)
        if held is not None and held.seq >= bill.seq:
            return False
        self.db.set_meta(_BILL_KEY.format(bill.job_id.hex()), bill.model_dump_json())
        return True


def default_scorer_loader(model: str) -> ReferenceScorer:
    """The embedded reference engine (protocol.llm.transformers_engine)."""
    from protocol.llm.transformers_engine import load_engine

    return load_engine(model)


class LLMSessionJudge:
    def __init__(
        self,
        *,
        domain: Domain,
        secret: bytes,
        loader: ScorerLoader = default_scorer_loader,
        rate: Callable[[str], float | None] = lambda provider: None,
        bills: Callable[[bytes], SignedBill | None] = lambda job_id: None,
        attested: Callable[[bytes], Receipt | None] = lambda job_id: None,
        fetch_timeout: float = 30.0,
        sample_size: int = DEFAULT_LLM_SAMPLE_SIZE,
        tolerance: float = DEFAULT_LOGPROB_TOLERANCE,
    ) -> None:
        self.domain = domain
        self._secret = secret
        self._loader = loader
        self._rate = rate
        self._bills = bills
        self._attested = attested
        self._timeout = fetch_timeout
        self.sample_size = sample_size
        self.tolerance = tolerance
        self._scorers: dict[str, ReferenceScorer] = {}
        self._load_lock = threading.Lock()

    def scorer(self, model: str) -> ReferenceScorer:
        with self._load_lock:
            found = self._scorers.get(model)
            if found is None:
                try:
                    found = self._loader(model)
                except LLMError as exc:
                    raise InvalidVerificationRequest(
                        f"no reference engine for model {model!r}: {exc}"
                    ) from None
                self._scorers[model] = found
            return found

    def judge(self, submission: ReceiptSubmission, accepted_at: int) -> VerificationReport:
        """Raises ResultFetchError when the provider cannot be reached (try again later)
        and another OracleError when this oracle cannot judge the session at all."""
        try:
            spec = LLMSessionSpec.model_validate(submission.spec)
        except ValidationError as exc:
            raise InvalidVerificationRequest(f"the session's own spec is invalid: {exc}") from None
        receipt = submission.receipt
        rate = self._rate(submission.terms.provider)
        request = VerificationRequest(
            domain=self.domain,
            terms=submission.terms,
            spec=submission.spec,
            receipt=receipt,
            signature=submission.signature,
            result=b"",
            units_per_second=rate if rate is not None and rate > 0 else _NO_RATE_LIMIT,
            accepted_at=accepted_at,
            secret=self._secret,
        )
        ensure_spec_matches(request)
        failures = check_receipt(request, submission.terms.max_units)
        if self._attested(receipt.job_id) == receipt:
            # Rebuilt from the chain for the consumer's evidence (oracles.llm_evidence):
            # the ReceiptSubmitted only the provider could send stands in for its signature.
            failures = [f for f in failures if f.code != FailureCode.BAD_SIGNATURE]
        scorer = self.scorer(spec.model)
        with httpx.Client(timeout=self._timeout) as http:
            links = fetch_links(http, submission.result_url)
            if links is None:
                content = KindCheck.fail(
                    FailureCode.MALFORMED_RESULT,
                    f"{submission.result_url}/links is not the session's bill chain",
                )
            else:
                exchanges: dict[int, Exchange] = {}
                if _is_committed(receipt.job_id, links, receipt.result_hash, receipt.units):
                    sample = sample_indices(
                        self._secret,
                        receipt.job_id,
                        receipt.result_hash,
                        len(links),
                        self.sample_size,
                    )
                    exchanges = fetch_exchanges(http, submission.result_url, sample)
                content = verify_session(
                    scorer,
                    job_id=receipt.job_id,
                    head=receipt.result_hash,
                    units=receipt.units,
                    links=links,
                    exchanges=exchanges,
                    secret=self._secret,
                    sample_size=self.sample_size,
                    tolerance=self.tolerance,
                    consumer_bill=self._bills(receipt.job_id),
                    provider=submission.terms.provider,
                )
        return VerificationReport(
            job_id=receipt.job_id,
            kind=LLM_KIND,
            units=receipt.units,
            failures=(*failures, *content.failures),
            facts=content.facts,
        )


def _is_committed(job_id: bytes, links: list[BillLink], head: bytes, units: int) -> bool:
    """Whether ``links`` are the committed chain (else verify_session reports why,
    and no exchange is fetched)."""
    try:
        verify_chain(job_id, links, head, units)
    except BillError:
        return False
    return True


def rate_from_config(
    units_per_second: Callable[[str, str], float],
) -> Callable[[str], float | None]:
    """The configured ``llm`` token rate of a provider, None where none is configured."""

    def rate(provider: str) -> float | None:
        try:
            return units_per_second(provider, LLM_KIND)
        except OracleConfigError:
            return None

    return rate
