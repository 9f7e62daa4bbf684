"""EIP-1559 fee suggestion: max fee = 2 x base fee + tip, refreshed at most every ttl seconds."""

from __future__ import annotations

import threading
import time

from pydantic import BaseModel, ConfigDict
from web3 import Web3

__all__ = ["FeeOracle", "Fees", "fees_from"]


class Fees(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_fee_per_gas: int
    max_priority_fee_per_gas: int


def fees_from(base_fee: int, priority_fee: int) -> Fees:
    """Twice the base fee covers six full blocks of +12.5 % each before the tx is priced out."""
    return Fees(max_fee_per_gas=2 * base_fee + priority_fee, max_priority_fee_per_gas=priority_fee)


class FeeOracle:
    """Reads base fee and tip from the node; caches them for ``ttl`` seconds."""

    def __init__(self, w3: Web3, *, ttl: float = 2.0, priority_fee: int | None = None) -> None:
        self._w3 = w3
        self._ttl = ttl
        self._priority_fee = priority_fee
        self._cached: tuple[float, Fees] | None = None
        self._lock = threading.Lock()

    def fees(self) -> Fees:
        with self._lock:
            now = time.monotonic()
            if self._cached is None or now - self._cached[0] > self._ttl:
                self._cached = (now, self._read())
            return self._cached[1]

    def _read(self) -> Fees:
        block = self._w3.eth.get_block("latest")
        base_fee = int(block.get("baseFeePerGas", 0))
        tip = self._priority_fee
        if tip is None:
            tip = int(self._w3.eth.max_priority_fee)
        return fees_from(base_fee, tip)

    def invalidate(self) -> None:
        """Read fresh fees next time."""
        with self._lock:
            self._cached = None
