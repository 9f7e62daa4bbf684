"""Errors of the provider's LLM serving (part of the provider's exception tree)."""

from __future__ import annotations

from provider.errors import ProviderError

__all__ = ["BudgetExhausted", "LLMServingError", "SessionUnknown", "Unauthorized"]


class LLMServingError(ProviderError):
    """Base of the LLM serving errors; ``status`` is the HTTP status it answers."""

    status = 400


class SessionUnknown(LLMServingError):
    status = 404


class Unauthorized(LLMServingError):
    status = 401


class BudgetExhausted(LLMServingError):
    """The session's escrow cannot pay for this request's prompt plus max_tokens."""

    status = 402
