"""Fixtures shared by every test directory."""

from __future__ import annotations

import pytest
from container_image import consumer_image, container_engine, container_image

from protocol.llm.transformers_engine import TransformersEngine, load_engine

__all__ = ["consumer_image", "container_engine", "container_image", "llm_engine"]


@pytest.fixture(scope="session")
def llm_engine() -> TransformersEngine:
    """The real Gemma 3 270M engine, loaded once per pytest session. The first load
    ever dequantizes the GGUF and caches float32 safetensors under ~/.cache/gpuc/llm
    (or $GPUC_LLM_CACHE); later sessions load the cache."""
    return load_engine()
