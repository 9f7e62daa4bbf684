"""Sessions on chain, provider side: accept an ``llm`` escrow job whose spec names
this provider's model and the consumer's session key, and close it with the final
bill as the receipt (units = tokens, result hash = the chain head).

On close the signed receipt also goes to the committee's oracles (POST /receipts,
``committed_on_chain``) with the session's URL on this server as ``result_url``:
the oracles fetch the chain and a secret sample of exchanges from there, re-run
them, and slash the provider inside the dispute window if they do not hold up."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import httpx

from protocol.errors import ContractError
from protocol.llm.spec import LLMSessionSpec
from protocol.roles import Provider
from protocol.typed_data import JobStatus, JobTerms, job_id
from protocol.wire.oracle import OracleAnswer, ReceiptSubmission, post_receipt
from provider.llm.errors import LLMServingError
from provider.llm.session import Session, SessionBook

__all__ = ["SessionAcceptor", "SessionRefused"]


class SessionRefused(LLMServingError):
    """The provider will not accept this session (terms, spec or the job's state)."""


class SessionAcceptor:
    def __init__(
        self,
        provider: Provider,
        book: SessionBook,
        model: str,
        min_price_per_token: int | Callable[[], int],
        *,
        oracle_urls: Sequence[str] = (),
        public_url: str | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        """``oracle_urls``: where the closing receipt goes; ``public_url``: this LLM
        server's base URL as the oracles reach it (both needed to be judged)."""
        self.provider = provider
        self.oracle_urls = tuple(oracle_urls)
        self.public_url = public_url
        self._http = http or httpx.Client(timeout=10.0)
        self._specs: dict[bytes, LLMSessionSpec] = {}
        self._accepted_at: dict[bytes, int] = {}
        self.oracle_answers: dict[bytes, list[OracleAnswer]] = {}
        self.book = book
        self.model = model
        self._min_price = min_price_per_token
        self._terms: dict[bytes, JobTerms] = {}
        self._settled: set[bytes] = set()
        self._lock = threading.Lock()

    def accept(self, terms: JobTerms, spec: LLMSessionSpec) -> Session:
        """Check the job against the spec and this provider's terms, accept it on
        chain, and start serving its session key."""
        ident = job_id(terms)
        if terms.provider.lower() != self.provider.address.lower():
            raise SessionRefused(f"the job names provider {terms.provider}, not this one")
        if spec.hash() != terms.spec:
            raise SessionRefused("the spec does not hash to the job's spec")
        if spec.model != self.model:
            raise SessionRefused(f"this provider serves {self.model!r}, not {spec.model!r}")
        floor = self._min_price() if callable(self._min_price) else self._min_price
        if terms.price_per_unit < floor:
            raise SessionRefused(
                f"price {terms.price_per_unit} per token is below this provider's {floor}"
            )
        with self._lock:
            if ident in self._terms:
                return self.book.get(ident)
            status = self.provider.status(terms).status
            if status != JobStatus.OPEN:
                raise SessionRefused(
                    f"job 0x{ident.hex()} is {JobStatus(status).label}, not Open, on chain"
                )
            self.provider.accept(terms)
            self._terms[ident] = terms
            self._specs[ident] = spec
            self._accepted_at[ident] = self.provider.protocol.now()
            return self.book.open(
                ident, bytes.fromhex(spec.session_key_hash[2:]), budget_tokens=terms.max_units
            )

    def close_idle(self, idle_s: float) -> list[Session]:
        """Close every accepted session that served something and then nothing for
        ``idle_s`` seconds (its consumer holds the last bill; the receipt is the same)."""
        now = time.monotonic()
        closed = []
        for ident in list(self._terms):
            session = self.book.get(ident)
            if not session.closed and session.links and now - session.last_used >= idle_s:
                closed.append(self.close(ident))
        return closed

    def settle_closed(self) -> list[bytes]:
        """Finalize closed sessions whose dispute window has passed and pay them all
        out in one payOut (the provider's pay and each consumer's unused budget become
        claimable). A session the contract is not ready for yet is tried again later."""
        window = int(self.provider.contracts.escrow.read("disputeWindow"))
        now = self.provider.protocol.now()
        due: dict[bytes, JobTerms] = {}
        for ident, terms in list(self._terms.items()):
            if ident in self._settled or not self.book.get(ident).closed:
                continue
            state = self.provider.status(terms)
            if state.status == JobStatus.DELIVERED and now > state.delivered_at + window:
                try:
                    self.provider.finalize(terms)
                except ContractError:
                    continue
                state = self.provider.status(terms)
            if state.status == JobStatus.SETTLED and not state.paid_out:
                due[ident] = terms
        if due:
            self.provider.pay_out(due.values())
            self._settled.update(due)
        return list(due)

    def close(self, ident: bytes) -> Session:
        """Stop serving the session and commit its final bill on chain."""
        session = self.book.get(ident)
        terms = self._terms.get(ident)
        if terms is None:
            raise SessionRefused(f"session 0x{ident.hex()} was not accepted on chain here")
        session.closed = True
        submitted = self.provider.submit_receipt(
            terms,
            result_hash=session.head,
            units=session.total_tokens,
            started_at=self._accepted_at.get(ident),
        )
        if self.oracle_urls and self.public_url is not None:
            body = ReceiptSubmission(
                terms=terms,
                receipt=submitted.signed.receipt,
                signature=submitted.signed.signature,
                result_url=f"{self.public_url.rstrip('/')}/llm/sessions/0x{ident.hex()}",
                spec=self._specs[ident].as_json(),
                inputs_url=None,
                committed_on_chain=True,
            )
            self.oracle_answers[ident] = post_receipt(self.oracle_urls, body, self._http)
        return session
