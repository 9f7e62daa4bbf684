"""Wallet signatures on requests (EIP-712), replay protection and rate limits."""

from matcher.auth.api_key import make_api_key, verify_api_key
from matcher.auth.nonces import NonceRegistry
from matcher.auth.rate_limit import RateLimiter
from matcher.auth.request_signature import (
    SignedRequest,
    recover_request_signer,
    request_digest,
    sign_request,
)

__all__ = [
    "NonceRegistry",
    "RateLimiter",
    "SignedRequest",
    "make_api_key",
    "recover_request_signer",
    "request_digest",
    "sign_request",
    "verify_api_key",
]
