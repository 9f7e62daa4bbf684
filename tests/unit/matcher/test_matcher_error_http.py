"""The matcher's errors carry no HTTP; matcher.api.errors maps each to a status and type."""

from __future__ import annotations

from matcher.api.errors import http_headers_of, http_status_of
from matcher.dashboard.errors import (
    ContainerResultUnavailable,
    InvalidDashboardSetting,
    NotAContainerResult,
)
from matcher.errors import (
    AuthError,
    Conflict,
    EngineFailure,
    InvalidField,
    MatcherError,
    NoOfferBelowMaxPrice,
    NotFound,
    NotOwner,
    PayloadTooLarge,
    RateLimited,
    SignatureExpired,
    SignatureReplayed,
    StorageUnavailable,
    UnknownResource,
)


def test_each_error_has_its_status_and_openai_type() -> None:
    expected = {
        MatcherError: (400, "invalid_request_error"),
        InvalidField: (422, "invalid_request_error"),
        UnknownResource: (422, "invalid_request_error"),
        NotFound: (404, "invalid_request_error"),
        NotOwner: (403, "permission_error"),
        Conflict: (409, "invalid_request_error"),
        NoOfferBelowMaxPrice: (409, "invalid_request_error"),
        AuthError: (401, "authentication_error"),
        SignatureExpired: (401, "authentication_error"),
        SignatureReplayed: (401, "authentication_error"),
        PayloadTooLarge: (413, "invalid_request_error"),
        EngineFailure: (500, "server_error"),
        StorageUnavailable: (503, "server_error"),
        InvalidDashboardSetting: (500, "server_error"),
        ContainerResultUnavailable: (404, "invalid_request_error"),
        NotAContainerResult: (422, "invalid_request_error"),
    }
    for kind, answer in expected.items():
        assert http_status_of(kind("x")) == answer, kind.__name__
        assert http_headers_of(kind("x")) is None
    assert not hasattr(MatcherError("x"), "http_status")


def test_a_rate_limit_says_when_to_come_back() -> None:
    limited = RateLimited("slow down", retry_after_s=7)
    assert http_status_of(limited) == (429, "rate_limit_error")
    assert http_headers_of(limited) == {"Retry-After": "7"}
