"""Errors of the provider's LLM serving (part of the provider's exception tree)."""

from __future__ import annotations

from provider.errors import ProviderError

__all__ = ["BudgetExhausted", "LLMServingError", "SessionUnknown", "Unauthorized"]


class LLMServingError(ProviderError):
    """Base of the LLM serving errors (provider.llm.server maps each to its HTTP status)."""


class SessionUnknown(LLMServingError):
    """No session under that job id."""


class Unauthorized(LLMServingError):
    """The session credential is missing or wrong."""


class BudgetExhausted(LLMServingError):
    """The session's escrow cannot pay for this request's prompt plus max_tokens."""
