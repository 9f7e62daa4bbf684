"""The provider's signed EIP-712 Receipt for a finished job.

Types, digest and signing come from ``protocol.typed_data``; this module only
decides the receipt's fields from an execution outcome: the result hash, the
units (the kind's units, capped at what the budget pays for) and the run's
wall-clock window in whole unix seconds, widened outwards (start rounded down,
finish rounded up) so the claimed window never understates the real run.
"""

from __future__ import annotations

import math

from eth_account import Account
from pydantic import BaseModel, ConfigDict, ValidationError

from protocol.typed_data import Domain, Receipt, receipt_digest, recover_signer, sign_digest
from provider.errors import ReceiptError
from provider.execution.outcome import AnyOutcome, Succeeded

__all__ = ["SignedReceipt", "claimed_units", "receipt_for", "sign_receipt"]


class SignedReceipt(BaseModel):
    """A receipt, its 65-byte signature, and the provider address that made it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    receipt: Receipt
    signature: bytes
    signer: str


def claimed_units(units: int, max_units: int | None) -> int:
    """The units to claim: the run's units, never more than the budget pays for."""
    if units < 0:
        raise ReceiptError(f"units must be >= 0, got {units}")
    if max_units is None:
        return units
    if max_units < 0:
        raise ReceiptError(f"max_units must be >= 0, got {max_units}")
    return min(units, max_units)


def receipt_for(
    outcome: AnyOutcome,
    max_units: int | None = None,
    result_hash: bytes | None = None,
    units: int | None = None,
) -> Receipt:
    """The receipt of a succeeded job. ``result_hash`` and ``units`` override the
    outcome's (cheat mode signs forged ones; an honest agent never passes them)."""
    if not isinstance(outcome, Succeeded):
        raise ReceiptError(
            f"job 0x{outcome.job_id.hex()} ended {outcome.status}; only a succeeded job "
            "gets a receipt (a failed one is left to the deadline)"
        )
    if outcome.finished_at < outcome.started_at:
        raise ReceiptError(
            f"job 0x{outcome.job_id.hex()} finished ({outcome.finished_at}) before it "
            f"started ({outcome.started_at}); check the clock"
        )
    try:
        return Receipt(
            job_id=outcome.job_id,
            result_hash=outcome.result_hash if result_hash is None else result_hash,
            units=claimed_units(outcome.units if units is None else units, max_units),
            started_at=math.floor(outcome.started_at),
            finished_at=math.ceil(outcome.finished_at),
        )
    except ValidationError as exc:
        raise ReceiptError(f"receipt fields are out of range: {exc}") from None


def sign_receipt(domain: Domain, receipt: Receipt, private_key: bytes | str) -> SignedReceipt:
    """Sign ``receipt`` under ``domain``; the signature is checked to recover to the key's
    address exactly as the escrow and the oracles will recover it."""
    digest = receipt_digest(domain, receipt)
    signature = sign_digest(private_key, digest)
    signer = str(Account.from_key(private_key).address)
    if recover_signer(digest, signature) != signer:
        raise ReceiptError("the receipt signature does not recover to the signing key")
    return SignedReceipt(receipt=receipt, signature=signature, signer=signer)
