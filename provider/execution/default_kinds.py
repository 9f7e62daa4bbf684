"""The registry of every job kind the agent offers."""

from __future__ import annotations

from provider.execution.kinds.container import CONTAINER
from provider.execution.kinds.embeddings import EMBEDDINGS
from provider.execution.kinds.matmul import MATMUL
from provider.execution.registry import KindRegistry

__all__ = ["default_registry"]


def default_registry() -> KindRegistry:
    return KindRegistry([MATMUL, EMBEDDINGS, CONTAINER])
