"""The gateway's forwarding and failover, behind an OpenAI-compatible app.

For each request the gateway ranks the providers it knows by the book's effective
price for the consumer's routing preference (gpuc.gateway.offers), takes a session
there (reused while its budget lasts, else a new escrow), and forwards. Providers
come from the matcher's LLM offers (gpuc.gateway.discovery), re-read every
``refresh_s`` in the background and at once after a failure; an explicit list of
provider URLs replaces the matcher for testing. Every answer's signed bill is
checked against the provider's address and must move the session forward. A
provider that errors (5xx, refused, malformed bill), times out, or dies mid-stream
is left out for ``ban_seconds`` and the request goes to the next one (at most
``max_attempts`` providers per request). Mid-stream, the next provider's greedy answer repeats the
text already forwarded: the gateway skips that prefix, so the consumer's stream
simply continues. A provider bills only answers it finished, so a broken stream
costs the consumer nothing there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from gpuc.gateway.discovery import (
    DEFAULT_REFRESH_S,
    OfferSource,
    OfferSourceError,
    ProviderUrlSource,
)
from gpuc.gateway.offers import DEFAULT_BAN_SECONDS, PRICE_FIRST, ProviderOffer, rank_offers
from gpuc.gateway.sessions import OpenedSession, SessionOpener
from protocol.errors import ProtocolError
from protocol.llm.bill import SignedBill, verify_bill
from protocol.llm.errors import BillError
from protocol.llm.requests import DEFAULT_MAX_TOKENS
from protocol.llm.wire import parse_bounded_json
from protocol.reputation import RoutingPreference
from protocol.wire.health import HEALTH_PATH

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_REFRESH_S",
    "Gateway",
    "ProviderFailed",
    "create_gateway_app",
]

DEFAULT_MAX_ATTEMPTS = 5  # providers tried per request (Golem retries a task 5 times)


class ProviderFailed(Exception):
    """One provider could not answer this request (the gateway moves on)."""


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": "gateway_error"}}, status_code=status
    )


class Gateway:
    def __init__(
        self,
        source: OfferSource | Sequence[str],
        opener: SessionOpener,
        *,
        session_tokens: int = 4096,
        timeout: float = 30.0,
        ban_seconds: float = DEFAULT_BAN_SECONDS,
        preference: RoutingPreference = PRICE_FIRST,
        refresh_s: float = DEFAULT_REFRESH_S,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        self.source: OfferSource = (
            ProviderUrlSource(source) if isinstance(source, Sequence) else source
        )
        self.opener = opener
        self.session_tokens = session_tokens
        self.ban_seconds = ban_seconds
        self.preference = preference
        self.refresh_s = refresh_s
        self.max_attempts = max_attempts
        self.offers: list[ProviderOffer] = []
        self.banned: dict[str, float] = {}
        self.sessions: dict[str, OpenedSession] = {}
        self.failovers = 0
        self.refreshes = 0
        self._refreshed_at = -float("inf")
        self._refreshing: asyncio.Task[list[ProviderOffer]] | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=5.0), limits=httpx.Limits(max_connections=64)
        )

    async def aclose(self) -> None:
        # Pooled connections belong to the event loop of the server thread that used
        # them; once that loop is closed they are gone with it.
        with contextlib.suppress(RuntimeError):
            await self._client.aclose()

    async def refresh(self) -> list[ProviderOffer]:
        """Read the offers again (the matcher's book, or the listed providers). When
        the source cannot be read, the offers known so far are kept."""
        try:
            self.offers = await self.source.offers(self._client)
        except OfferSourceError:
            if not self.offers:
                raise
        self._refreshed_at = time.monotonic()
        self.refreshes += 1
        return self.offers

    async def _refresh_in_background(self) -> None:
        """Start a refresh if the offers are stale; never makes a request wait."""
        if time.monotonic() - self._refreshed_at < self.refresh_s:
            return
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.create_task(self.refresh())
            self._refreshing.add_done_callback(_ignore_failure)

    async def ensure_offers(self) -> None:
        if not self.offers:
            try:
                await self.refresh()
            except OfferSourceError as exc:
                raise _ClientError(503, str(exc)) from None
        else:
            await self._refresh_in_background()

    def ban(self, url: str) -> None:
        self.banned[url] = time.monotonic() + self.ban_seconds

    def candidates(self, model: str) -> list[ProviderOffer]:
        return rank_offers(self.offers, model, self.banned, self.preference)

    async def _failed(self, offer: ProviderOffer) -> None:
        """``offer``'s provider failed this request: leave it out, and re-read the offers
        so the next choice is made on what the market offers now."""
        self.ban(offer.url)
        self.failovers += 1
        with contextlib.suppress(OfferSourceError):
            await self.refresh()

    def _next(self, model: str, tried: set[str]) -> ProviderOffer | None:
        if len(tried) >= self.max_attempts:
            return None
        return next((o for o in self.candidates(model) if o.url not in tried), None)

    async def session_for(self, offer: ProviderOffer, need: int) -> OpenedSession:
        lock = self._locks.setdefault(offer.url, asyncio.Lock())
        async with lock:
            session = self.sessions.get(offer.url)
            if session is None or session.remaining < need:
                tokens = max(self.session_tokens, need)
                session = await asyncio.to_thread(self.opener.open, offer, tokens)
                self.sessions[offer.url] = session
            return session

    def take_bill(self, session: OpenedSession, wire: Any) -> None:
        """Check a bill from ``session``'s provider and move the session forward."""
        try:
            bill = SignedBill.model_validate(wire)
            verify_bill(bill, session.offer.provider)
        except (ValueError, BillError) as exc:
            raise ProviderFailed(f"bad bill from {session.offer.url}: {exc}") from None
        if bill.job_id != session.credential.job_id:
            raise ProviderFailed(f"{session.offer.url} billed another session")
        previous = session.latest_bill
        if isinstance(previous, SignedBill) and not bill.later_than(previous):
            raise ProviderFailed(f"{session.offer.url} sent a bill that does not move forward")
        session.latest_bill = bill
        session.used_tokens = bill.total_tokens

    def _need(self, body: dict[str, Any], raw_size: int) -> int:
        limit = body.get("max_tokens") or body.get("max_completion_tokens") or DEFAULT_MAX_TOKENS
        # The prompt's tokens are not known here; a byte is at most one token.
        return int(limit) + raw_size if isinstance(limit, int) else DEFAULT_MAX_TOKENS + raw_size

    async def _attempt(
        self, offer: ProviderOffer, path: str, body: dict[str, Any], need: int
    ) -> tuple[OpenedSession, httpx.Request]:
        session = await self.session_for(offer, need)
        request = self._client.build_request(
            "POST",
            f"{offer.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {session.credential.api_key}"},
        )
        return session, request

    async def complete(self, path: str, body: dict[str, Any], raw_size: int) -> dict[str, Any]:
        model = str(body.get("model", ""))
        need = self._need(body, raw_size)
        tried: set[str] = set()
        while (offer := self._next(model, tried)) is not None:
            tried.add(offer.url)
            try:
                session, request = await self._attempt(offer, path, body, need)
                response = await self._client.send(request)
                if response.status_code == 402:
                    self.sessions.pop(offer.url, None)
                    session, request = await self._attempt(offer, path, body, need)
                    response = await self._client.send(request)
                if 400 <= response.status_code < 500 and response.status_code != 402:
                    raise _ClientError(response.status_code, response.text)
                if response.status_code != 200:
                    raise ProviderFailed(f"{offer.url} answered {response.status_code}")
                answer: dict[str, Any] = response.json()
                self.take_bill(session, answer.get("gpuc_bill"))
                return answer
            except (httpx.HTTPError, ProviderFailed, ProtocolError, ValueError):
                await self._failed(offer)
        raise _ClientError(503, f"no provider of {model!r} could answer; try again later")

    async def stream(self, path: str, body: dict[str, Any], raw_size: int) -> AsyncIterator[bytes]:
        model = str(body.get("model", ""))
        need = self._need(body, raw_size)
        forwarded = ""  # text the consumer already has
        opened = False
        tried: set[str] = set()
        while (offer := self._next(model, tried)) is not None:
            tried.add(offer.url)
            try:
                session, request = await self._attempt(offer, path, body, need)
                response = await self._client.send(request, stream=True)
                try:
                    if response.status_code != 200:
                        await response.aread()
                        raise ProviderFailed(f"{offer.url} answered {response.status_code}")
                    seen = ""
                    finished = False
                    async for line in response.aiter_lines():
                        if not line.startswith("data: "):
                            continue
                        data = line[6:].strip()
                        if data == "[DONE]":
                            yield b"data: [DONE]\n\n"
                            # Read on to the body's end (the chunked terminator) so the
                            # connection goes back to the pool: leaving here half-read
                            # closed it, and every request opened a new TCP connection.
                            finished = True
                            continue
                        if finished:
                            continue
                        chunk = json.loads(data)
                        if "gpuc_bill" in chunk:
                            self.take_bill(session, chunk["gpuc_bill"])
                        text = _chunk_text(chunk)
                        if text is None:  # the opening role chunk or the final one
                            if _is_opening(chunk):
                                if opened:
                                    continue
                                opened = True
                            yield f"{line}\n\n".encode()
                            continue
                        seen += text
                        if len(seen) <= len(forwarded):
                            continue  # a replacement provider repeating what was sent
                        if len(seen) - len(text) == len(forwarded):  # all of it is new:
                            forwarded = seen
                            yield f"{line}\n\n".encode()  # forwarded as the provider sent it
                            continue
                        fresh = seen[len(forwarded) :]
                        _set_chunk_text(chunk, fresh)
                        forwarded += fresh
                        yield _event(chunk)
                    if finished:
                        return
                    raise ProviderFailed(f"{offer.url} ended the stream without [DONE]")
                finally:
                    await response.aclose()
            except (httpx.HTTPError, ProviderFailed, ProtocolError, ValueError):
                await self._failed(offer)
        yield _event({"error": {"message": f"no provider of {model!r} could finish the answer"}})
        yield b"data: [DONE]\n\n"


def _ignore_failure(task: asyncio.Task[list[ProviderOffer]]) -> None:
    # A background refresh that failed keeps the offers known so far; the next
    # request starts another.
    if not task.cancelled():
        task.exception()


class _ClientError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _event(chunk: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(chunk)}\n\n".encode()


def _chunk_text(chunk: dict[str, Any]) -> str | None:
    choices = chunk.get("choices") or []
    if not choices or choices[0].get("finish_reason") is not None:
        return None
    choice = choices[0]
    if "delta" in choice:
        delta = choice["delta"]
        return None if "role" in delta else delta.get("content")
    text = choice.get("text")
    return text if text else None


def _is_opening(chunk: dict[str, Any]) -> bool:
    choices = chunk.get("choices") or []
    return bool(choices) and "role" in (choices[0].get("delta") or {})


def _set_chunk_text(chunk: dict[str, Any], text: str) -> None:
    choice = chunk["choices"][0]
    if "delta" in choice:
        choice["delta"]["content"] = text
    else:
        choice["text"] = text


def create_gateway_app(gateway: Gateway) -> FastAPI:
    app = FastAPI(title="GPUC LLM gateway", docs_url=None, redoc_url=None)

    @app.exception_handler(_ClientError)
    async def _client_error(_: Request, exc: _ClientError) -> JSONResponse:
        return _error(exc.status, str(exc))

    @app.exception_handler(ProtocolError)
    async def _bad_input(_: Request, exc: ProtocolError) -> JSONResponse:
        return _error(400, str(exc))

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        await gateway.ensure_offers()
        names = sorted({o.model for o in gateway.offers})
        return {
            "object": "list",
            "data": [{"id": m, "object": "model", "created": 0, "owned_by": "gpuc"} for m in names],
        }

    async def forward(http: Request, path: str) -> Response:
        raw = await http.body()
        body = parse_bounded_json(raw)
        await gateway.ensure_offers()
        if body.get("stream"):
            return StreamingResponse(
                gateway.stream(path, body, len(raw)), media_type="text/event-stream"
            )
        return JSONResponse(await gateway.complete(path, body, len(raw)))

    @app.post("/v1/chat/completions")
    async def chat(http: Request) -> Response:
        return await forward(http, "/v1/chat/completions")

    @app.post("/v1/completions")
    async def completions(http: Request) -> Response:
        return await forward(http, "/v1/completions")

    @app.get(HEALTH_PATH)
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "providers": len(gateway.offers),
            "sessions": len(gateway.sessions),
            "failovers": gateway.failovers,
            "offer_refreshes": gateway.refreshes,
        }

    return app
