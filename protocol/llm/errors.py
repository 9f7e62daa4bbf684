"""Errors of ``protocol.llm``."""

from __future__ import annotations

from protocol.errors import InvalidInput, ProtocolError

__all__ = ["BillError", "EngineError", "InvalidLLMRequest", "LLMError", "ModelNotLoaded"]


class LLMError(ProtocolError):
    """Base of every error raised by ``protocol.llm``."""


class InvalidLLMRequest(LLMError, InvalidInput):
    """A completion request is malformed or out of range (empty prompt, bad max_tokens...)."""


class ModelNotLoaded(LLMError):
    """The model's files or libraries are missing, or the engine cannot load them."""


class EngineError(LLMError):
    """The engine (embedded or upstream) failed to produce an answer."""


class BillError(LLMError, InvalidInput):
    """A running bill does not chain, is not signed by the expected key, or goes backwards."""
