"""The provider's OpenAI-compatible LLM endpoints.

- ``GET /v1/models``
- ``POST /v1/chat/completions`` and ``POST /v1/completions``, streamed (SSE) or
  not, authenticated by the session key (protocol.llm.session_key); every answer
  carries ``usage`` and the signed running bill (``gpuc_bill``: in the body, in
  the last stream chunk, and in the ``X-GPUC-Bill`` header when not streamed);
- ``GET /llm/sessions/0x<job>/bill``, ``.../links`` and ``.../exchanges?indices=``
  for the consumer and the oracles (the chain and the sampled exchanges).

A request is billed only when its answer was produced in full: a failed or
abandoned stream appends nothing to the chain.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from protocol.errors import ProtocolError
from protocol.llm.bill import Answer
from protocol.llm.engine import Engine
from protocol.llm.errors import InvalidLLMRequest
from protocol.llm.requests import ChatRequest, CompletionRequest, LLMRequest
from protocol.llm.session_key import SessionCredential
from protocol.llm.spec import LLMSessionSpec
from protocol.llm.types import TokenStep
from protocol.llm.wire import parse_bounded_json
from protocol.typed_data import JobTerms
from protocol.wire.health import HEALTH_PATH
from protocol.wire.llm_metrics import LLMOfferMetrics
from provider.llm.chain_sessions import SessionAcceptor, SessionRefused
from provider.llm.errors import BudgetExhausted, LLMServingError, SessionUnknown, Unauthorized
from provider.llm.openai_shapes import answer_body, chunk_body, final_chunk_body, models_body
from provider.llm.pricing import TokenMeter
from provider.llm.served import AnswerTamper, Served
from provider.llm.session import Session, SessionBook

__all__ = ["LLMServer", "create_llm_app"]

BILL_HEADER = "X-GPUC-Bill"
MAX_EXCHANGES_PER_FETCH = 64


# The one mapping of the LLM serving errors to HTTP, most specific first.
_STATUS: tuple[tuple[type[LLMServingError], int], ...] = (
    (SessionUnknown, 404),
    (Unauthorized, 401),
    (BudgetExhausted, 402),
    (SessionRefused, 409),
    (LLMServingError, 400),
)


def http_status_of(exc: LLMServingError) -> int:
    return next(status for kind, status in _STATUS if isinstance(exc, kind))


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)


class LLMServer:
    """Serving logic behind the routes (no HTTP here): one engine, a session book."""

    def __init__(
        self,
        engine: Engine,
        book: SessionBook,
        owner: str,
        answer_tamper: AnswerTamper | None = None,
        acceptor: SessionAcceptor | None = None,
        price_per_token: int = 0,
        meter: TokenMeter | None = None,
    ) -> None:
        self._fixed_price = price_per_token
        self.meter = meter
        self.engine = engine
        self.acceptor = acceptor
        self.book = book
        self.owner = owner
        # None in production; a development build's dishonest provider (gpuc.devnet.llm_cheat)
        self.answer_tamper = answer_tamper
        self.tokens_served = 0

    def admit(self, request: LLMRequest, credential: SessionCredential) -> tuple[Session, int]:
        if request.model != self.engine.model:
            raise InvalidLLMRequest(f"model: this provider serves {self.engine.model!r}")
        session = self.book.authenticate(credential.job_id, credential.secret)
        prompt_tokens = self.engine.count_tokens(request.prompt)
        self.book.reserve(session, prompt_tokens + request.limit)
        return session, prompt_tokens

    def run(self, request: LLMRequest, prompt_tokens: int) -> Iterator[TokenStep]:
        return self.engine.stream(request.prompt, request.limit, request.top_k, request.chat)

    def finish(
        self, request: LLMRequest, prompt_tokens: int, steps: tuple[TokenStep, ...]
    ) -> Served:
        finish = "length" if len(steps) >= request.limit else "stop"
        honest = Served(
            steps,
            Answer(
                text="".join(s.text for s in steps),
                finish_reason=finish,
                prompt_tokens=prompt_tokens,
                completion_tokens=len(steps),
            ),
        )
        if self.answer_tamper is None:
            return honest
        return self.answer_tamper(honest, prompt_tokens)

    @property
    def price_per_token(self) -> int:
        """The offer's price now: the strategy's over measured load, else the fixed one."""
        if self.meter is None:
            return self._fixed_price
        return self.meter.price_per_token(time.monotonic())

    def bill(
        self, session: Session, request: LLMRequest, served: Served, busy_s: float = 0.0
    ) -> Any:
        ids = tuple(s.token_id for s in served.steps if s.token_id is not None)
        token_ids = ids if len(ids) == len(served.steps) else None
        bill = self.book.record(session, request.canonical(), served.answer, token_ids)
        self.record_served(served.answer.tokens, len(served.steps), busy_s)
        return bill

    def record_served(self, tokens: int, completion_tokens: int, busy_s: float) -> None:
        """Tokens billed (a session's answer or a batch's lines), for pricing and metrics."""
        self.tokens_served += tokens
        if self.meter is not None:
            self.meter.record(time.monotonic(), tokens, completion_tokens, busy_s)

    def offer_metrics(self) -> LLMOfferMetrics:
        """What the matcher's dashboard shows for this provider's offer."""
        now = time.monotonic()
        meter = self.meter
        return LLMOfferMetrics(
            supply_tokens_per_s=0.0 if meter is None else meter.supply_per_s(),
            demand_tokens_per_s=0.0 if meter is None else meter.demand_per_min(now) / 60,
            open_sessions=sum(1 for s in self.book.sessions() if not s.closed),
            tokens_served=self.tokens_served,
        )


def _credential(request: Request) -> SessionCredential:
    return SessionCredential.parse(request.headers.get("authorization"))


def create_llm_app(server: LLMServer) -> FastAPI:
    app = FastAPI(title="GPUC provider LLM", docs_url=None, redoc_url=None)
    app.state.llm = server

    @app.exception_handler(LLMServingError)
    async def _serving_error(_: Request, exc: LLMServingError) -> JSONResponse:
        return _error(http_status_of(exc), str(exc))

    @app.exception_handler(ProtocolError)
    async def _protocol_error(_: Request, exc: ProtocolError) -> JSONResponse:
        return _error(400, str(exc))

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return models_body([server.engine.model], server.owner)

    async def _complete(
        http: Request, model: type[ChatRequest] | type[CompletionRequest]
    ) -> Response:
        credential = _credential(http)
        document = parse_bounded_json(await http.body())
        try:
            request: LLMRequest = model.model_validate(document)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
            )
            raise InvalidLLMRequest(problems) from None
        session, prompt_tokens = await run_in_threadpool(server.admit, request, credential)
        completion_id = f"{'chatcmpl' if request.endpoint == 'chat' else 'cmpl'}-{uuid.uuid4().hex}"
        created = int(time.time())
        if request.stream:
            return StreamingResponse(
                _sse(server, session, request, prompt_tokens, completion_id, created),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache"},
            )

        def run_all() -> tuple[Served, Any]:
            started = time.monotonic()
            steps = tuple(server.run(request, prompt_tokens))
            served = server.finish(request, prompt_tokens, steps)
            return served, server.bill(session, request, served, time.monotonic() - started)

        served, bill = await run_in_threadpool(run_all)
        body = answer_body(completion_id, created, request, served.answer, served.steps, bill)
        return JSONResponse(body, headers={BILL_HEADER: json.dumps(bill.model_dump(mode="json"))})

    @app.post("/v1/chat/completions")
    async def chat_completions(http: Request) -> Response:
        return await _complete(http, ChatRequest)

    @app.post("/v1/completions")
    async def completions(http: Request) -> Response:
        return await _complete(http, CompletionRequest)

    @app.get("/llm/offer")
    def offer() -> dict[str, Any]:
        """What a gateway needs to open a session here: who, which model, what price."""
        return {
            "provider": server.owner,
            "model": server.engine.model,
            "price_per_token": str(server.price_per_token),
            "sessions_on_chain": server.acceptor is not None,
        }

    @app.post("/llm/sessions")
    async def open_session(http: Request) -> dict[str, Any]:
        """A consumer that opened an ``llm`` escrow for this provider asks it to
        accept: body ``{"terms": {...}, "spec": {...}}``."""
        if server.acceptor is None:
            raise InvalidLLMRequest("this provider does not accept sessions on chain")
        document = parse_bounded_json(await http.body())
        try:
            terms = JobTerms.model_validate(document["terms"])
            spec = LLMSessionSpec.model_validate(document.get("spec"))
        except ValidationError as exc:
            raise InvalidLLMRequest(f"session: {exc.errors()[0]['msg']}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidLLMRequest(f"session: terms are incomplete or malformed ({exc})") from None
        session = await run_in_threadpool(server.acceptor.accept, terms, spec)
        return {"job_id": "0x" + session.job_id.hex(), "budget_tokens": str(session.budget_tokens)}

    @app.get("/llm/sessions/{job}/bill")
    def latest_bill(job: str) -> dict[str, Any]:
        session = server.book.get(_job_id(job))
        if session.latest is None:
            raise InvalidLLMRequest(f"session {job} has served nothing yet")
        return session.latest.model_dump(mode="json")

    @app.get("/llm/sessions/{job}/links")
    def links(job: str) -> dict[str, Any]:
        session = server.book.get(_job_id(job))
        return {"links": [link.model_dump(mode="json") for link in session.links]}

    @app.get("/llm/sessions/{job}/exchanges")
    def exchanges(job: str, indices: str) -> dict[str, Any]:
        session = server.book.get(_job_id(job))
        try:
            wanted = [int(i) for i in indices.split(",") if i]
        except ValueError:
            raise InvalidLLMRequest("indices: comma-separated integers") from None
        if len(wanted) > MAX_EXCHANGES_PER_FETCH:
            raise InvalidLLMRequest(f"indices: at most {MAX_EXCHANGES_PER_FETCH} per request")
        if any(not 0 <= i < len(session.exchanges) for i in wanted):
            raise InvalidLLMRequest(f"indices: the session has {len(session.exchanges)} exchanges")
        return {"exchanges": [session.exchanges[i].model_dump(mode="json") for i in wanted]}

    @app.get(HEALTH_PATH)
    def health() -> dict[str, Any]:
        return {"status": "ok", "model": server.engine.model, "tokens_served": server.tokens_served}

    return app


def _job_id(text: str) -> bytes:
    hexpart = text[2:] if text.startswith("0x") else text
    if len(hexpart) != 64:
        raise InvalidLLMRequest("job id: 0x + 64 hex digits")
    try:
        return bytes.fromhex(hexpart)
    except ValueError:
        raise InvalidLLMRequest("job id: 0x + 64 hex digits") from None


def _event(body: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(body)}\n\n".encode()


def _sse(
    server: LLMServer,
    session: Session,
    request: LLMRequest,
    prompt_tokens: int,
    completion_id: str,
    created: int,
) -> Iterator[bytes]:
    """Tokens as they come (honest) or the whole tampered answer replayed; the bill is
    recorded only after the last token was produced."""
    started = time.monotonic()
    if request.endpoint == "chat":
        yield _event(chunk_body(completion_id, created, request, None))
    steps: list[TokenStep] = []
    if server.answer_tamper is None:
        for step in server.run(request, prompt_tokens):
            steps.append(step)
            yield _event(chunk_body(completion_id, created, request, step))
        served = server.finish(request, prompt_tokens, tuple(steps))
    else:
        served = server.finish(request, prompt_tokens, tuple(server.run(request, prompt_tokens)))
        for step in served.steps:
            yield _event(chunk_body(completion_id, created, request, step))
    bill = server.bill(session, request, served, time.monotonic() - started)
    yield _event(final_chunk_body(completion_id, created, request, served.answer, bill))
    yield b"data: [DONE]\n\n"
