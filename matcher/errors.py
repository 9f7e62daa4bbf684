"""The matcher's exception tree.

Every error carries a stable `code` and the request field it is about, so a client can
show "price_wei: must be > 0" rather than "bad request". The core knows nothing of HTTP:
matcher.api.errors maps each error to its status and OpenAI error type.
"""

from __future__ import annotations


class MatcherError(Exception):
    """Base of every matcher error."""

    code = "matcher_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidField(MatcherError):
    """A request field is missing, malformed or out of range."""

    code = "invalid_field"


class UnknownResource(MatcherError):
    """The resource is not one the matcher trades."""

    code = "unknown_resource"


class NotFound(MatcherError):
    """The order, offer, file or batch does not exist."""

    code = "not_found"


class NotOwner(MatcherError):
    """The signer does not own the thing it tries to change."""

    code = "not_owner"


class Conflict(MatcherError):
    """The thing exists but is in a state where the request makes no sense."""

    code = "conflict"


class NoOfferBelowMaxPrice(MatcherError):
    """A market buy found no capacity at or below its max price."""

    code = "no_offer_below_max_price"


class AuthError(MatcherError):
    """The request's signature is missing, wrong, expired or replayed."""

    code = "unauthorized"


class SignatureExpired(AuthError):
    code = "signature_expired"


class SignatureReplayed(AuthError):
    code = "signature_replayed"


class RateLimited(MatcherError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after_s = retry_after_s


class PayloadTooLarge(MatcherError):
    code = "payload_too_large"


class EngineFailure(MatcherError):
    """A bug met a command: it was not applied and the book was rebuilt from the log."""

    code = "internal_error"


class StorageUnavailable(MatcherError):
    """A commit failed: the server stops acknowledging writes until restarted."""

    code = "storage_unavailable"
