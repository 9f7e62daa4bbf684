"""Opening sessions: an ``llm`` escrow on chain for the chosen provider, accepted
by it, and the bearer credential the gateway then uses there."""

from __future__ import annotations

from typing import Protocol

import httpx

from gpuc.errors import GpucError
from gpuc.gateway.offers import ProviderOffer
from protocol.llm.session_key import SessionCredential, new_session_secret, session_key_hash
from protocol.llm.spec import LLMSessionSpec, session_open_body
from protocol.roles import Consumer
from protocol.typed_data import job_id

__all__ = ["ChainSessionOpener", "OpenedSession", "SessionOpener"]


class OpenedSession:
    def __init__(self, offer: ProviderOffer, credential: SessionCredential, budget_tokens: int):
        self.offer = offer
        self.credential = credential
        self.budget_tokens = budget_tokens
        self.used_tokens = 0
        self.latest_bill: object | None = None

    @property
    def remaining(self) -> int:
        return self.budget_tokens - self.used_tokens


class SessionOpener(Protocol):
    def open(self, offer: ProviderOffer, tokens: int) -> OpenedSession: ...


class ChainSessionOpener:
    """Opens the escrow with the consumer's wallet (permit), then asks the provider
    to accept it; the spec commits to a fresh session key."""

    def __init__(self, consumer: Consumer, timeout: float = 60.0) -> None:
        self.consumer = consumer
        self.timeout = timeout

    def open(self, offer: ProviderOffer, tokens: int) -> OpenedSession:
        secret = new_session_secret()
        spec = LLMSessionSpec(
            model=offer.model, session_key_hash="0x" + session_key_hash(secret).hex()
        )
        price = max(offer.price_per_token, 1)
        terms = self.consumer.new_terms(
            provider=offer.provider,
            budget=tokens * price,
            price_per_unit=price,
            spec=spec.as_json(),
        )
        self.consumer.open_job(terms)
        response = httpx.post(
            f"{offer.url}/llm/sessions", json=session_open_body(terms, spec), timeout=self.timeout
        )
        if response.status_code != 200:
            raise GpucError(f"provider {offer.provider} refused the session: {response.text[:300]}")
        return OpenedSession(offer, SessionCredential(job_id(terms), secret), terms.max_units)
