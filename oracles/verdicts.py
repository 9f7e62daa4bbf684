"""Verdicts from verification reports, and the signatures members exchange over them.

Every honest member must derive the very same verdict from the same receipt, or
their signatures would not add up: release pays the receipt's units and names its
result hash; fault pays nothing and names the hash of the result it refused.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from oracles.errors import InvalidPeerSignature
from oracles.verify.report import VerificationReport
from protocol.errors import SignatureError
from protocol.typed_data import (
    Domain,
    Outcome,
    Receipt,
    Verdict,
    VerdictItem,
    recover_signer,
    verdict_digest,
)
from protocol.wire.fields import Address, Signature65

__all__ = [
    "BatchSignature",
    "BatchSignatureRequest",
    "PeerSignature",
    "check_peer_signature",
    "verdict_for",
]


def verdict_for(report: VerificationReport, receipt: Receipt, epoch: int) -> Verdict:
    release = report.outcome == Outcome.RELEASE
    return Verdict(
        job_id=receipt.job_id,
        outcome=Outcome.RELEASE if release else Outcome.FAULT,
        units=receipt.units if release else 0,
        result_hash=receipt.result_hash,
        epoch=epoch,
    )


class PeerSignature(BaseModel):
    """POST /signatures: a member's signature over its verdict for one job."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Verdict
    signer: Address
    signature: Signature65


class BatchSignatureRequest(BaseModel):
    """POST /batch-signatures: please co-sign these items (each must equal your own verdict)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    items: tuple[VerdictItem, ...] = Field(min_length=1, max_length=256)
    epoch: int = Field(ge=0, lt=2**64)


class BatchSignature(BaseModel):
    """A member's signature over a VerdictBatch (the answer to POST /batch-signatures)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    signer: Address
    signature: Signature65


def check_peer_signature(domain: Domain, signed: PeerSignature) -> bytes:
    """The verdict digest, once the signature recovers to the claimed signer."""
    digest = verdict_digest(domain, signed.verdict)
    try:
        recovered = recover_signer(digest, signed.signature)
    except SignatureError as exc:
        raise InvalidPeerSignature(f"unusable verdict signature: {exc}") from None
    if recovered != signed.signer:
        raise InvalidPeerSignature(
            f"the signature recovers to {recovered}, not {signed.signer}: it was made over "
            "another verdict, chain or contract"
        )
    return digest
