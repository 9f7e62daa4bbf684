"""What an LLM provider serves for one request, and the hook that may change it.

``AnswerTamper`` is how a development build makes a dishonest provider (``gpuc llm serve
--cheat``: gpuc.devnet.llm_cheat): the server hands it the honest answer and the prompt's
token count and serves and bills what it returns. The provider package holds no cheat code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from protocol.llm.types import TokenStep

if TYPE_CHECKING:  # `gpuc llm serve --help` loads this module: keep eth_account out
    from protocol.llm.bill import Answer

__all__ = ["AnswerTamper", "Served"]


@dataclass(frozen=True)
class Served:
    """What goes to the consumer and into the bill."""

    steps: tuple[TokenStep, ...]
    answer: Answer


# (honest answer, prompt tokens) -> what is served and billed instead.
AnswerTamper = Callable[[Served, int], Served]
