"""A session consumer's evidence (POST /llm/evidence,
protocol.wire.llm_evidence): checked without the chain here, then turned into the
receipt submission the oracle judges, with the chain's commitment as the receipt.

The receipt is rebuilt from chain facts only: the job id, the ``ReceiptSubmitted``
result hash and units (the job's on-chain slot), ``started_at`` = the confirmed
``JobAccepted`` block time, ``finished_at`` = the delivery time. Only the provider
could have committed it, so the judge takes that receipt without the provider's
signature (:class:`AttestedReceipts` remembers which receipts are of this kind).
"""

from __future__ import annotations

from collections.abc import Collection

from pydantic import ValidationError

from oracles.db import Database
from oracles.errors import InvalidSubmission
from protocol.errors import SignatureError
from protocol.job_spec import spec_hash
from protocol.llm.bill import verify_bill
from protocol.llm.errors import BillError
from protocol.llm.spec import LLMSessionSpec
from protocol.typed_data import Domain, Receipt
from protocol.wire.llm_evidence import SignedConsumerEvidence

__all__ = ["AttestedReceipts", "check_evidence"]

_KEY = "llm_chain_attested_receipt:0x{}"


def check_evidence(signed: SignedConsumerEvidence, domain: Domain, kinds: Collection[str]) -> None:
    """Raise InvalidSubmission naming the first inconsistency: the spec is not the
    one the terms commit to or not an ``llm`` session's, the signer is not the job's
    consumer, or the bill is not the provider's for this job."""
    evidence = signed.evidence
    terms = evidence.terms
    jid = evidence.job_id
    found = spec_hash(evidence.spec)
    if found != terms.spec:
        raise InvalidSubmission(
            f"the spec document hashes to 0x{found.hex()}, the terms of job 0x{jid.hex()} "
            f"commit to 0x{terms.spec.hex()}: send the spec the session was opened with"
        )
    try:
        LLMSessionSpec.model_validate(evidence.spec)
    except ValidationError:
        raise InvalidSubmission(
            f"job 0x{jid.hex()} is not an llm session (its spec is no LLMSessionSpec)"
        ) from None
    if "llm" not in kinds:
        raise InvalidSubmission(f"this oracle judges no llm sessions (it has {sorted(kinds)})")
    try:
        signer = signed.signer(domain)
    except SignatureError as exc:
        raise InvalidSubmission(f"the evidence signature is unusable: {exc}") from None
    if signer != terms.consumer:
        raise InvalidSubmission(
            f"the evidence is signed by {signer}, not by the job's consumer {terms.consumer} "
            f"(under chain {domain.chain_id}, escrow {domain.verifying_contract})"
        )
    bill = evidence.bill
    if bill is not None:
        if bill.job_id != jid:
            raise InvalidSubmission(
                f"the bill is for session 0x{bill.job_id.hex()}, the evidence for 0x{jid.hex()}"
            )
        try:
            verify_bill(bill, terms.provider)
        except BillError as exc:
            raise InvalidSubmission(f"the bill proves nothing: {exc}") from None


class AttestedReceipts:
    """Receipts rebuilt from the chain for a consumer's evidence, one per job, kept in
    the oracle's database: the judge takes exactly these without a provider signature."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, job_id: bytes) -> Receipt | None:
        stored = self.db.get_meta(_KEY.format(job_id.hex()))
        return None if stored is None else Receipt.model_validate_json(stored)

    def put(self, receipt: Receipt) -> None:
        self.db.set_meta(_KEY.format(receipt.job_id.hex()), receipt.model_dump_json())
