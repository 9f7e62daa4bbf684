"""Nothing leaves the server before it is durable.

A response is computed from the in-memory book, which may already hold commands whose
commit is still in flight (a fill made by someone else's order a moment ago). This
ASGI wrapper holds every response's first byte until everything applied so far is
committed; if the engine was rebuilt after a failure meanwhile, the answer computed
from the broken engine is replaced by a 503 to retry.
"""

from __future__ import annotations

import json

from matcher.api.errors import http_status_of
from matcher.api.guard import render
from matcher.errors import MatcherError, StorageUnavailable
from matcher.service import MatcherService
from protocol.http_guard import ASGIApp, GuardRefusal, Message, Receive, Scope, Send


class DurableResponses:
    def __init__(self, app: ASGIApp, service: MatcherService) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        service = self.service
        generation = service.generation
        replaced = False

        async def durable_send(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return
            if message["type"] == "http.response.start":
                try:
                    await service.flush()
                    if service.generation != generation and message["status"] < 400:
                        raise StorageUnavailable(
                            "the matcher recovered from an internal error while answering;"
                            " retry the request"
                        )
                except MatcherError as exc:
                    replaced = True
                    await _error(send, exc)
                    return
            await send(message)

        await self.app(scope, receive, durable_send)


async def _error(send: Send, exc: MatcherError) -> None:
    status, _ = http_status_of(exc)
    refusal = GuardRefusal(status, exc.code, exc.message, exc.field)
    body = json.dumps(render(refusal)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
