"""Canonical job-spec JSON and its hash (the `spec` field of JobTerms)."""

from __future__ import annotations

import json
from typing import Any

from eth_utils.crypto import keccak

__all__ = ["canonical_spec", "spec_hash"]


def canonical_spec(spec: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes everyone hashes."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def spec_hash(spec: dict[str, Any]) -> bytes:
    return keccak(canonical_spec(spec))
