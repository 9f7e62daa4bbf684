"""Fixtures shared by the verifier tests."""

from __future__ import annotations

import pytest
import torch

from oracles.verify.registry import VerifierRegistry, default_registry

# Other test processes share the two cores; one intra-op thread is 4x faster
# for MiniLM than two oversubscribed ones.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def registry() -> VerifierRegistry:
    """matmul and embeddings verifiers; the embedding model loads once per session."""
    return default_registry()
