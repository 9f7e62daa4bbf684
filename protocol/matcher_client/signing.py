"""EIP-712 request signatures the matcher checks (matcher.auth.request_signature):

    Request(string method,string path,bytes32 bodyHash,uint256 nonce,uint64 expiry)

under the domain EIP712Domain(string name,string version,uint256 chainId) with name
"GPUC Matcher", version "1". Built with eth-account's typed-data encoder, so it is an
independent implementation of the same types (tests check one against the other).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from protocol.signatures import eip712_digest, keccak
from protocol.wallet import Wallet

__all__ = [
    "HEADER_EXPIRY",
    "HEADER_NONCE",
    "HEADER_SIGNATURE",
    "HEADER_SIGNER",
    "MATCHER_DOMAIN_NAME",
    "MATCHER_DOMAIN_VERSION",
    "RequestSigner",
    "request_digest",
]

# The matcher's EIP-712 domain and signature headers: the server (matcher.auth) uses these.
MATCHER_DOMAIN_NAME = "GPUC Matcher"
MATCHER_DOMAIN_VERSION = "1"
HEADER_SIGNER = "X-GPUC-Signer"
HEADER_NONCE = "X-GPUC-Nonce"
HEADER_EXPIRY = "X-GPUC-Expiry"
HEADER_SIGNATURE = "X-GPUC-Signature"

_REQUEST_TYPES = {
    "Request": [
        {"name": "method", "type": "string"},
        {"name": "path", "type": "string"},
        {"name": "bodyHash", "type": "bytes32"},
        {"name": "nonce", "type": "uint256"},
        {"name": "expiry", "type": "uint64"},
    ]
}


def request_digest(
    chain_id: int, method: str, path: str, body: bytes, nonce: int, expiry: int
) -> bytes:
    """The digest a signed request's signature covers (path includes any query string)."""
    domain = {"name": MATCHER_DOMAIN_NAME, "version": MATCHER_DOMAIN_VERSION, "chainId": chain_id}
    message = {
        "method": method.upper(),
        "path": path,
        "bodyHash": keccak(body),
        "nonce": nonce,
        "expiry": expiry,
    }
    return eip712_digest(domain, _REQUEST_TYPES, message)


class RequestSigner:
    """Signs requests for one wallet. Nonces are unique per signer for as long as a
    signature lives: nanoseconds since the epoch, strictly increasing in this process
    (a restarted process starts above any nonce it used before)."""

    def __init__(
        self,
        wallet: Wallet,
        chain_id: int,
        *,
        ttl_s: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.wallet = wallet
        self.chain_id = chain_id
        self.ttl_s = ttl_s
        self._clock = clock
        self._last_nonce = 0
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        return self.wallet.address

    def _next_nonce(self) -> int:
        with self._lock:
            self._last_nonce = max(self._last_nonce + 1, time.time_ns())
            return self._last_nonce

    def headers(self, method: str, path: str, body: bytes) -> dict[str, str]:
        nonce = self._next_nonce()
        expiry = int(self._clock()) + self.ttl_s
        digest = request_digest(self.chain_id, method, path, body, nonce, expiry)
        return {
            HEADER_SIGNER: self.wallet.address,
            HEADER_NONCE: str(nonce),
            HEADER_EXPIRY: str(expiry),
            HEADER_SIGNATURE: "0x" + self.wallet.sign_digest(digest).hex(),
        }
