"""The consumer's side of judging: a session whose provider committed its receipt on
chain is reported to the oracles by the gateway itself, so a provider that commits
a receipt and never posts it to them is judged all the same.

:class:`EvidenceReporter` wraps the gateway's session opener (the one hook: pass
``reporter.opener(inner)`` to the Gateway) and so knows every session the gateway
opened, including ones it later replaced. :meth:`EvidenceReporter.poll` reads each
unreported session's job on chain; once it is Delivered (``ReceiptSubmitted``) it
posts the terms, the session spec, the provider's session URL and the latest
provider-signed bill, signed by the consumer's wallet, to every oracle
(protocol.wire.llm_evidence). :meth:`EvidenceReporter.run` polls until stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import httpx

from gpuc.gateway.offers import ProviderOffer
from gpuc.gateway.sessions import OpenedSession, SessionOpener
from protocol.errors import ProtocolError
from protocol.llm.bill import SignedBill
from protocol.llm.session_key import session_key_hash
from protocol.llm.spec import LLMSessionSpec
from protocol.roles import Consumer
from protocol.typed_data import CLOSED_STATUSES, JobStatus, JobTerms
from protocol.wire.llm_evidence import ConsumerEvidence, post_evidence, sign_evidence
from protocol.wire.oracle import OracleAnswer

__all__ = ["EvidenceReporter"]

# An oracle that answers these has not taken the evidence yet (not confirmed, down):
# the session is reported again on the next poll.
_RETRY = frozenset({404, 408, 429})


class _RecordingOpener:
    def __init__(self, inner: SessionOpener, reporter: EvidenceReporter) -> None:
        self.inner = inner
        self.reporter = reporter

    def open(self, offer: ProviderOffer, tokens: int) -> OpenedSession:
        session = self.inner.open(offer, tokens)
        self.reporter.track(session)
        return session


class EvidenceReporter:
    def __init__(
        self,
        consumer: Consumer,
        oracle_urls: Sequence[str],
        *,
        http: httpx.Client | None = None,
    ) -> None:
        self.consumer = consumer
        self.oracle_urls = tuple(oracle_urls)
        self._http = http or httpx.Client(timeout=10.0)
        self._lock = threading.Lock()
        self._pending: dict[bytes, OpenedSession] = {}
        self._terms: dict[bytes, JobTerms] = {}
        self.answers: dict[bytes, list[OracleAnswer]] = {}

    def opener(self, inner: SessionOpener) -> SessionOpener:
        """``inner``, telling this reporter of every session it opens."""
        return _RecordingOpener(inner, self)

    def track(self, session: OpenedSession) -> None:
        with self._lock:
            self._pending[session.credential.job_id] = session

    def evidence(self, session: OpenedSession) -> ConsumerEvidence:
        """What the oracles need to judge ``session`` without its provider."""
        jid = session.credential.job_id
        spec = LLMSessionSpec(
            model=session.offer.model,
            session_key_hash="0x" + session_key_hash(session.credential.secret).hex(),
        )
        bill = session.latest_bill
        return ConsumerEvidence(
            terms=self._job_terms(jid),
            spec=spec.as_json(),
            session_url=f"{session.offer.url.rstrip('/')}/llm/sessions/0x{jid.hex()}",
            bill=bill if isinstance(bill, SignedBill) else None,
        )

    def report(self, session: OpenedSession) -> list[OracleAnswer]:
        """Sign and post ``session``'s evidence to every oracle now."""
        signed = sign_evidence(
            self.evidence(session), self.consumer.protocol.domain, self.consumer.wallet
        )
        answers = post_evidence(self.oracle_urls, signed, self._http)
        self.answers[session.credential.job_id] = answers
        return answers

    def poll(self) -> list[bytes]:
        """Report every tracked session whose receipt is committed on chain; the job
        ids reported (and taken by every oracle that answered) this time."""
        with self._lock:
            pending = list(self._pending.items())
        done = []
        for jid, session in pending:
            status = self.consumer.protocol.job(jid).status
            if status in CLOSED_STATUSES:
                self._forget(jid)
                continue
            if status not in (JobStatus.DELIVERED, JobStatus.DISPUTED):
                continue
            answers = self.report(session)
            if all(_taken(a) for a in answers):
                self._forget(jid)
                done.append(jid)
        return done

    def run(self, stop: threading.Event, interval: float = 2.0) -> None:
        """Poll until ``stop`` is set (a thread beside the gateway's server)."""
        while not stop.wait(interval):
            try:
                self.poll()
            except ProtocolError:
                continue  # the chain did not answer: the next poll tries again

    def _forget(self, jid: bytes) -> None:
        with self._lock:
            self._pending.pop(jid, None)

    def _job_terms(self, jid: bytes) -> JobTerms:
        found = self._terms.get(jid)
        if found is None:
            found = self.consumer.protocol.terms(jid)  # its JobOpened log
            self._terms[jid] = found
        return found


def _taken(answer: OracleAnswer) -> bool:
    return answer.status is not None and answer.status < 500 and answer.status not in _RETRY
