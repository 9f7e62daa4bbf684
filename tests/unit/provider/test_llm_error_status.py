"""The LLM server's one error-to-HTTP mapping: each serving error keeps its status."""

from __future__ import annotations

from provider.llm.chain_sessions import SessionRefused
from provider.llm.errors import BudgetExhausted, LLMServingError, SessionUnknown, Unauthorized
from provider.llm.server import http_status_of


def test_each_serving_error_answers_its_status() -> None:
    assert http_status_of(SessionUnknown("x")) == 404
    assert http_status_of(Unauthorized("x")) == 401
    assert http_status_of(BudgetExhausted("x")) == 402
    assert http_status_of(SessionRefused("x")) == 409
    assert http_status_of(LLMServingError("x")) == 400
    assert not hasattr(LLMServingError("x"), "status")
