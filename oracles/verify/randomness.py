"""The verifier's random choices, unpredictable to the provider at commit time.

Seed = keccak256("GPUC verify v1" || purpose || secret || jobId || resultHash).

``secret`` is this oracle's own 32 random bytes, never published. The provider
commits ``resultHash`` in its signed receipt before any oracle draws, and it
cannot compute the seed without the secret, so it cannot know which Freivalds
vectors or which embedding rows will be checked. ``resultHash`` and ``jobId`` in
the seed give every job and every resubmitted result a fresh draw. Each oracle
of the committee has its own secret, so k oracles check k independent samples.

The alternative, a block hash some blocks after delivery, is public and lets
every oracle reproduce the same sample, but a provider that proposes that block
could grind it; pass such a hash as ``secret`` if auditability matters more.
"""

from __future__ import annotations

import numpy as np
from eth_utils.crypto import keccak

__all__ = ["DOMAIN_TAG", "verifier_rng", "verifier_seed"]

DOMAIN_TAG = b"GPUC verify v1"


def verifier_seed(secret: bytes, job_id: bytes, result_hash: bytes, purpose: str) -> bytes:
    tag = purpose.encode()
    # Length-prefix the variable-length parts so no two inputs concatenate alike.
    parts = [DOMAIN_TAG, len(tag).to_bytes(2, "big"), tag, len(secret).to_bytes(2, "big")]
    return keccak(b"".join([*parts, secret, job_id, result_hash]))


def verifier_rng(
    secret: bytes, job_id: bytes, result_hash: bytes, purpose: str
) -> np.random.Generator:
    seed = verifier_seed(secret, job_id, result_hash, purpose)
    return np.random.Generator(np.random.PCG64(int.from_bytes(seed, "big")))
