"""Fixtures shared by the verifier tests."""

from __future__ import annotations

import pytest

from oracles.verify.registry import VerifierRegistry, default_registry


@pytest.fixture(scope="session")
def registry() -> VerifierRegistry:
    """matmul and embeddings verifiers; the embedding model loads once per session."""
    return default_registry()
