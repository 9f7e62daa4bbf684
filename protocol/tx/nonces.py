"""Local nonce counters, so many transactions can be in flight from one account."""

from __future__ import annotations

import threading

from web3 import Web3

__all__ = ["NonceTracker"]


class NonceTracker:
    """Hands out consecutive nonces per account, starting from the node's pending count.

    One tracker per process and key: two writers for one key would collide.
    """

    def __init__(self, w3: Web3) -> None:
        self._w3 = w3
        self._next: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, address: str) -> int:
        with self._lock:
            if address not in self._next:
                self._next[address] = self._w3.eth.get_transaction_count(address, "pending")  # type: ignore[arg-type]
            nonce = self._next[address]
            self._next[address] = nonce + 1
            return nonce

    def forget(self, address: str) -> None:
        """Re-read from the node next time (after a failed broadcast or a chain revert)."""
        with self._lock:
            self._next.pop(address, None)

    def forget_all(self) -> None:
        """Re-read every account (after evm_revert or a reorg rewound the chain)."""
        with self._lock:
            self._next.clear()
