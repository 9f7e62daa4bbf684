"""Sessions the provider serves: one escrow job each, a bearer session key, a
token budget, and the running bill (links, exchanges, signed head).

The session key (protocol.llm.session_key) is a random secret the consumer's
gateway holds; the job's spec names only its hash.
"""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from protocol.llm.bill import (
    Answer,
    BillLink,
    DigestSigner,
    Exchange,
    SignedBill,
    answer_digest,
    genesis_head,
    next_head,
    request_digest,
    sign_bill,
)
from protocol.llm.session_key import session_key_hash
from provider.llm.errors import BudgetExhausted, SessionUnknown, Unauthorized

__all__ = ["Session", "SessionBook"]


@dataclass
class Session:
    job_id: bytes
    key_hash: bytes
    budget_tokens: int
    links: list[BillLink] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    total_tokens: int = 0
    head: bytes = b""
    latest: SignedBill | None = None
    closed: bool = False
    last_used: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if not self.head:
            self.head = genesis_head(self.job_id)

    @property
    def remaining(self) -> int:
        return self.budget_tokens - self.total_tokens


class SessionBook:
    """Every open session of this provider; thread-safe."""

    def __init__(self, signer: bytes | str | DigestSigner) -> None:
        self._key = signer
        self._sessions: dict[bytes, Session] = {}
        self._lock = threading.Lock()

    def open(self, job_id: bytes, key_hash: bytes, budget_tokens: int) -> Session:
        with self._lock:
            existing = self._sessions.get(job_id)
            if existing is not None:
                return existing
            session = Session(job_id=job_id, key_hash=key_hash, budget_tokens=budget_tokens)
            self._sessions[job_id] = session
            return session

    def get(self, job_id: bytes) -> Session:
        session = self._sessions.get(job_id)
        if session is None:
            raise SessionUnknown(f"no session 0x{job_id.hex()} on this provider")
        return session

    def sessions(self) -> list[Session]:
        return list(self._sessions.values())

    def authenticate(self, job_id: bytes, secret: bytes) -> Session:
        session = self.get(job_id)
        if not hmac.compare_digest(session_key_hash(secret), session.key_hash):
            raise Unauthorized("the session key does not match the session's spec")
        if session.closed:
            raise Unauthorized(f"session 0x{job_id.hex()} is closed")
        return session

    def reserve(self, session: Session, tokens: int) -> None:
        """Refuse a request the remaining budget cannot pay for in the worst case."""
        if tokens > session.remaining:
            raise BudgetExhausted(
                f"the request may use {tokens} tokens; the session has {session.remaining} left"
            )

    def record(
        self,
        session: Session,
        request: dict[str, Any],
        answer: Answer,
        token_ids: tuple[int, ...] | None,
        billed: Answer | None = None,
    ) -> SignedBill:
        """Append one answer to the chain and sign the new running bill.

        ``billed`` is what the chain records when it differs from what was sent
        (only cheat modes pass it)."""
        recorded = billed or answer
        link = BillLink(
            request_digest=request_digest(request),
            response_digest=answer_digest(recorded),
            tokens=recorded.tokens,
        )
        with self._lock:
            session.links.append(link)
            session.exchanges.append(
                Exchange(
                    index=len(session.exchanges),
                    request=request,
                    answer=recorded,
                    token_ids=token_ids,
                )
            )
            session.total_tokens += link.tokens
            session.head = next_head(session.head, link)
            bill = sign_bill(
                self._key, session.job_id, len(session.links), session.total_tokens, session.head
            )
            session.latest = bill
            session.last_used = time.monotonic()
            return bill
