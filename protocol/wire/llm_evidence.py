"""What an ``llm`` session's consumer posts to an oracle's ``POST /llm/evidence`` once
the provider committed the session's receipt on chain, and the client that posts it
to every oracle of the committee.

A provider that commits a receipt (``submitReceipt``) but never posts it to the
oracles would otherwise be paid by ``finalize`` unjudged. The consumer's gateway
(gpuc.gateway.evidence) hands the oracles what they need to judge the session
without the provider: the job's terms, its session spec, the provider's session URL
and the latest provider-signed bill it holds. The chain's ``ReceiptSubmitted``
(units, result hash) stands in for the provider's signed receipt: only the provider
could have sent that transaction. The consumer's wallet signs the evidence
(:func:`evidence_digest`, bound to the escrow's chain and address), so nobody else
can point the oracles at a URL of their choosing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from protocol.llm.bill import DigestSigner, SignedBill
from protocol.signatures import keccak, recover_signer
from protocol.typed_data import Domain, JobTerms, job_id
from protocol.wire.fields import HttpUrl, Signature65
from protocol.wire.oracle import OracleAnswer, post_to_oracles

__all__ = [
    "EVIDENCE_PATH",
    "ConsumerEvidence",
    "SignedConsumerEvidence",
    "evidence_digest",
    "post_evidence",
    "sign_evidence",
]

EVIDENCE_PATH = "/llm/evidence"
_TAG = b"GPUC llm consumer evidence v1"


class ConsumerEvidence(BaseModel):
    """A session's evidence as its consumer holds it. ``session_url`` is the session
    on the provider's LLM server (``.../llm/sessions/0x<job id>``), where the oracles
    fetch the bill chain and the exchanges; ``bill`` the latest provider-signed bill
    the consumer received (None: it received none)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    terms: JobTerms
    spec: dict[str, Any]
    session_url: HttpUrl
    bill: SignedBill | None = None

    @property
    def job_id(self) -> bytes:
        return job_id(self.terms)


class SignedConsumerEvidence(BaseModel):
    """The evidence and the consumer's signature over :func:`evidence_digest`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    evidence: ConsumerEvidence
    signature: Signature65

    @property
    def job_id(self) -> bytes:
        return self.evidence.job_id

    def signer(self, domain: Domain) -> str:
        """Who signed it (SignatureError when the signature recovers to no one)."""
        return recover_signer(evidence_digest(domain, self.evidence), self.signature)


def evidence_digest(domain: Domain, evidence: ConsumerEvidence) -> bytes:
    """keccak(tag || chainId || escrow || jobId || keccak(canonical JSON of the
    evidence)); canonical: keys sorted, no spaces, as both ends dump the model."""
    canonical = json.dumps(
        evidence.model_dump(mode="json"), sort_keys=True, separators=(",", ":")
    ).encode()
    return keccak(
        _TAG
        + domain.chain_id.to_bytes(32, "big")
        + bytes.fromhex(domain.verifying_contract[2:])
        + evidence.job_id
        + keccak(canonical)
    )


def sign_evidence(
    evidence: ConsumerEvidence, domain: Domain, signer: DigestSigner
) -> SignedConsumerEvidence:
    return SignedConsumerEvidence(
        evidence=evidence, signature=signer.sign_digest(evidence_digest(domain, evidence))
    )


def post_evidence(
    oracle_urls: Sequence[str], signed: SignedConsumerEvidence, http: httpx.Client
) -> list[OracleAnswer]:
    """POST the evidence to each oracle's evidence path."""
    return post_to_oracles(oracle_urls, EVIDENCE_PATH, signed, http)
