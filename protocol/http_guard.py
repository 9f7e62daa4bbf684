"""The request guard every GPUC HTTP server runs in front of its app (ASGI middleware).

Before a handler sees a request body, the guard
- refuses a body larger than the route's limit while reading it (a declared
  Content-Length over the limit is refused before a byte is read; chunked bodies are
  counted as they arrive), so an unsigned 50 MB body costs nothing;
- lets the server refuse a request on its headers alone (`precheck`: missing
  signature headers or API key) before the body is read;
- refuses JSON nested deeper than `max_depth`: Python's C JSON parser recurses once
  per level, and a dependency of eth-account raises the recursion limit to 100,000
  at import, so a deep body would overflow the C stack (SIGSEGV) instead of raising.

`sane_recursion_limit()` puts the interpreter's limit back; every server process
calls it at start, after eth-account was imported.

Pure helpers (`json_too_deep`) are tested without a server.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from protocol.wire_ints import parse_ascii_uint

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_JSON_DEPTH",
    "SANE_RECURSION_LIMIT",
    "BodyGuard",
    "GuardRefusal",
    "json_too_deep",
    "sane_recursion_limit",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_BODY_BYTES = 64 * 1024
DEFAULT_MAX_JSON_DEPTH = 64
# Python's own default; deep enough for every library used here, shallow enough that
# recursion raises RecursionError long before the C stack runs out.
SANE_RECURSION_LIMIT = 1_000

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def sane_recursion_limit(limit: int = SANE_RECURSION_LIMIT) -> int:
    """Lower the interpreter's recursion limit to `limit` if something raised it."""
    if sys.getrecursionlimit() > limit:
        sys.setrecursionlimit(limit)
    return sys.getrecursionlimit()


def json_too_deep(data: bytes | str, max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> bool:
    """True when `data` opens more than `max_depth` arrays/objects inside each other.

    Brackets inside JSON strings do not count. Malformed JSON is not judged here (the
    parser refuses it); only nesting that could exhaust the stack is.
    """
    raw = data.encode() if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False  # cannot nest deeper than it has brackets
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth = max(0, depth - 1)
    return False


@dataclass(frozen=True, slots=True)
class GuardRefusal:
    """Why the guard answers instead of the app: HTTP status, a stable code, a message."""

    status: int
    code: str
    message: str
    param: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


RenderError = Callable[[GuardRefusal], dict[str, Any]]
Precheck = Callable[[Scope], GuardRefusal | None]
LimitFor = Callable[[Scope], int]


def _default_render(refusal: GuardRefusal) -> dict[str, Any]:
    return {"error": refusal.code, "detail": refusal.message}


class _BodyTooLarge(Exception):
    pass


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _is_json(scope: Scope) -> bool:
    content_type = (_header(scope, b"content-type") or "").lower()
    # A body without a declared type is parsed as JSON by FastAPI too.
    return not content_type or "json" in content_type


class BodyGuard:
    """ASGI middleware: size limit while reading, header precheck, JSON depth bound.

    `limit_for(scope)` gives the byte limit of a route (default: one limit for all);
    `precheck(scope)` may refuse on headers before any body byte is read; `render`
    turns a refusal into the server's own JSON error shape.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_depth: int = DEFAULT_MAX_JSON_DEPTH,
        limit_for: LimitFor | None = None,
        precheck: Precheck | None = None,
        render: RenderError | None = None,
    ) -> None:
        self.app = app
        self.max_depth = max_depth
        self.limit_for: LimitFor = limit_for or (lambda _scope: max_body_bytes)
        self.precheck = precheck
        self.render = render or _default_render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.precheck is not None:
            refusal = self.precheck(scope)
            if refusal is not None:
                await self._refuse(send, refusal)
                return
        limit = self.limit_for(scope)
        declared = _header(scope, b"content-length")
        if declared is not None:
            if parse_ascii_uint(declared, bits=64) is None:
                await self._refuse(send, GuardRefusal(400, "invalid_header", "bad Content-Length"))
                return
            if int(declared) > limit:
                await self._refuse(send, self._too_large(limit, int(declared)))
                return
        if _is_json(scope):
            await self._buffered(scope, receive, send, limit)
        else:
            await self._streamed(scope, receive, send, limit)

    @staticmethod
    def _too_large(limit: int, size: int | None = None) -> GuardRefusal:
        got = "" if size is None else f"the body is {size} bytes; "
        return GuardRefusal(
            413, "payload_too_large", f"{got}this route accepts at most {limit} bytes", "body"
        )

    async def _refuse(self, send: Send, refusal: GuardRefusal) -> None:
        body = json.dumps(self.render(refusal)).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            *((k.encode("latin-1"), v.encode("latin-1")) for k, v in refusal.headers),
        ]
        await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _buffered(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """JSON: read it all (bounded), check its depth, then hand it to the app."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(send, self._too_large(limit))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if json_too_deep(body, self.max_depth):
            refusal = GuardRefusal(
                400,
                "invalid_json",
                f"the request body nests JSON deeper than {self.max_depth} levels",
                "body",
            )
            await self._refuse(send, refusal)
            return
        await self.app(scope, _replay([body], None, receive), send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Other bodies (multipart uploads): counted while the app reads them; over the
        limit the app's answer is replaced by 413."""
        size = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal size, exceeded
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to a cut body is replaced below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if exceeded and not started:
            await self._refuse(send, self._too_large(limit))


def _replay(chunks: list[bytes], final: Message | None, receive_more: Receive) -> Receive:
    """A receive() that hands out the buffered body, then the connection's own
    messages (a disconnect, when the client goes)."""
    pending: list[Message] = [
        {"type": "http.request", "body": c, "more_body": False} for c in chunks
    ]
    if final is not None:
        pending.append(final)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return await receive_more()

    return receive
