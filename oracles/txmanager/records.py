"""What the transaction manager persists: one intent per purpose, its signed attempts."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = ["TxAttempt", "TxIntent", "TxStatus"]


class TxStatus(StrEnum):
    PENDING = "pending"  # signed and stored; broadcast or about to be
    MINED = "mined"  # a receipt exists, not yet deep enough
    CONFIRMED = "confirmed"  # succeeded, `confirmations` deep
    REVERTED = "reverted"  # mined, `confirmations` deep, status 0
    DROPPED = "dropped"  # the nonce was used by a transaction that is none of ours

    @property
    def open(self) -> bool:
        return self in (TxStatus.PENDING, TxStatus.MINED)


class TxAttempt(BaseModel):
    """One signed version of an intent: the same nonce, maybe a higher fee."""

    model_config = ConfigDict(frozen=True)

    tx_hash: str
    raw: bytes
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    created_at: float
    broadcast_at: float | None = None


class TxIntent(BaseModel):
    """A transaction the oracle means to land exactly once (``key`` names its purpose)."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    sender: str
    nonce: int
    to: str | None
    data: bytes
    value: int
    gas: int
    status: TxStatus
    attempts: tuple[TxAttempt, ...]
    mined_hash: str | None = None
    mined_block: int | None = None
    error: str | None = None
    created_at: float
    updated_at: float

    @property
    def latest(self) -> TxAttempt:
        return self.attempts[-1]
