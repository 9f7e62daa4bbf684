"""The matcher's exception tree.

Every error carries a stable `code`, the HTTP status the API answers with, and the
request field it is about, so a client can show "price_wei: must be > 0" rather than
"bad request".
"""

from __future__ import annotations


class MatcherError(Exception):
    """Base of every matcher error."""

    code = "matcher_error"
    http_status = 400
    error_type = "invalid_request_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.headers: dict[str, str] = {}


class InvalidField(MatcherError):
    """A request field is missing, malformed or out of range."""

    code = "invalid_field"
    http_status = 422


class UnknownResource(MatcherError):
    """The resource is not one the matcher trades."""

    code = "unknown_resource"
    http_status = 422


class NotFound(MatcherError):
    """The order, offer, file or batch does not exist."""

    code = "not_found"
    http_status = 404


class NotOwner(MatcherError):
    """The signer does not own the thing it tries to change."""

    code = "not_owner"
    http_status = 403
    error_type = "permission_error"


class Conflict(MatcherError):
    """The thing exists but is in a state where the request makes no sense."""

    code = "conflict"
    http_status = 409


class NoOfferBelowMaxPrice(MatcherError):
    """A market buy found no capacity at or below its max price."""

    code = "no_offer_below_max_price"
    http_status = 409


class AuthError(MatcherError):
    """The request's signature is missing, wrong, expired or replayed."""

    code = "unauthorized"
    http_status = 401
    error_type = "authentication_error"


class SignatureExpired(AuthError):
    code = "signature_expired"


class SignatureReplayed(AuthError):
    code = "signature_replayed"


class RateLimited(MatcherError):
    code = "rate_limited"
    http_status = 429
    error_type = "rate_limit_error"

    def __init__(self, message: str, *, retry_after_s: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after_s = retry_after_s
        self.headers = {"Retry-After": str(retry_after_s)}


class PayloadTooLarge(MatcherError):
    code = "payload_too_large"
    http_status = 413


class EngineFailure(MatcherError):
    """A bug met a command: it was not applied and the book was rebuilt from the log."""

    code = "internal_error"
    http_status = 500
    error_type = "server_error"


class StorageUnavailable(MatcherError):
    """A commit failed: the server stops acknowledging writes until restarted."""

    code = "storage_unavailable"
    http_status = 503
    error_type = "server_error"
