"""What can go wrong talking to the matcher."""

from __future__ import annotations

from protocol.errors import ProtocolError

__all__ = ["MatcherClientError", "MatcherRefused", "MatcherUnreachable"]


class MatcherClientError(ProtocolError):
    """Base of the matcher client's errors."""


class MatcherUnreachable(MatcherClientError):
    """No answer from the matcher (connection refused, timeout): check its URL and that it runs."""


class MatcherRefused(MatcherClientError):
    """The matcher answered with an error: ``status``, its ``code`` and the ``field`` at fault."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(f"matcher refused ({status} {code}): {message}")
        self.status = status
        self.code = code
        self.field = field
