"""Gemma's turn format, applied by hand: the GGUF carries no chat template.

    <start_of_turn>user\n{text}<end_of_turn>\n<start_of_turn>model\n

Gemma has no system role: a system message is prefixed to the first user turn,
as Gemma's own template does. The prompt ends with an open model turn; the
answer ends at ``<end_of_turn>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from protocol.llm.errors import InvalidLLMRequest
from protocol.llm.types import ChatMessage

__all__ = ["END_OF_TURN", "START_OF_TURN", "format_chat"]

START_OF_TURN = "<start_of_turn>"
END_OF_TURN = "<end_of_turn>"
_ROLE = {"user": "user", "assistant": "model"}


def format_chat(messages: Sequence[ChatMessage]) -> str:
    """The prompt text for ``messages`` ending in an open model turn (no BOS: the
    tokenizer adds it)."""
    if not messages:
        raise InvalidLLMRequest("messages: at least one message is required")
    system = [m.content for m in messages if m.role == "system"]
    turns = [m for m in messages if m.role != "system"]
    if not turns:
        raise InvalidLLMRequest("messages: a system message needs a user message after it")
    if turns[0].role != "user":
        raise InvalidLLMRequest("messages: the first non-system message must be from the user")
    parts: list[str] = []
    for index, message in enumerate(turns):
        text = message.content
        if index == 0 and system:
            text = "\n\n".join([*system, text])
        parts.append(f"{START_OF_TURN}{_ROLE[message.role]}\n{text}{END_OF_TURN}\n")
    parts.append(f"{START_OF_TURN}model\n")
    return "".join(parts)
