"""What a provider (or anyone holding it) posts to POST /receipts, and the checks
that need no chain: the spec is the one the terms commit to, the receipt is for
these terms and signed by their provider, and some verifier knows the kind."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel, ConfigDict

from oracles.audit import jsonable
from oracles.errors import InvalidSubmission
from oracles.wire import HttpUrl, Signature65
from protocol.compute.errors import InvalidJobSpec
from protocol.compute.specs import ContainerSpec, EmbeddingsSpec, parse_spec
from protocol.errors import SignatureError
from protocol.job_spec import spec_hash
from protocol.typed_data import Domain, JobTerms, Receipt, job_id, receipt_digest, recover_signer

__all__ = ["ReceiptSubmission", "check_submission"]


class ReceiptSubmission(BaseModel):
    """A finished job's evidence: terms, the provider's signed EIP-712 receipt, where
    the result is, and the spec document. ``committed_on_chain``: the provider also
    called submitReceipt; judge the result once that commitment is confirmed, and
    on a release let the dispute window finalize it (no committee transaction)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    terms: JobTerms
    receipt: Receipt
    signature: Signature65
    result_url: HttpUrl
    spec: dict[str, Any]
    inputs_url: HttpUrl | None = None
    # A container job that brings its own image: where its archive's chunked manifest
    # is (protocol.chunked_documents); the chunks are fetched from the same store.
    image_url: HttpUrl | None = None
    committed_on_chain: bool = False

    @property
    def job_id(self) -> bytes:
        return self.receipt.job_id

    def to_json(self) -> str:
        return json.dumps(jsonable(self), sort_keys=True)


def check_submission(submission: ReceiptSubmission, domain: Domain, kinds: Collection[str]) -> None:
    """Raise InvalidSubmission naming the first inconsistency."""
    expected = job_id(submission.terms)
    if submission.receipt.job_id != expected:
        raise InvalidSubmission(
            f"the receipt is for job 0x{submission.receipt.job_id.hex()}, the terms are job "
            f"0x{expected.hex()}: send the terms the job was opened with"
        )
    found = spec_hash(submission.spec)
    if found != submission.terms.spec:
        raise InvalidSubmission(
            f"the spec document hashes to 0x{found.hex()}, the terms commit to "
            f"0x{submission.terms.spec.hex()}: send the spec the job was opened with"
        )
    try:
        spec = parse_spec(submission.spec)
    except InvalidJobSpec as exc:
        raise InvalidSubmission(f"the job's spec is invalid: {exc}") from None
    if spec.kind not in kinds:
        raise InvalidSubmission(
            f"this oracle has no verifier for job kind {spec.kind!r} (it has {sorted(kinds)})"
        )
    if isinstance(spec, EmbeddingsSpec) and submission.inputs_url is None:
        raise InvalidSubmission("an embeddings job needs `inputs_url`: where its input file is")
    if isinstance(spec, ContainerSpec) and spec.inputs_hash and submission.inputs_url is None:
        raise InvalidSubmission("this container job has inputs: send `inputs_url`, where they are")
    if isinstance(spec, ContainerSpec) and spec.image_archive and submission.image_url is None:
        raise InvalidSubmission(
            "this container job brings its image archive: send `image_url`, where it is"
        )
    try:
        signer = recover_signer(receipt_digest(domain, submission.receipt), submission.signature)
    except SignatureError as exc:
        raise InvalidSubmission(f"the receipt signature is unusable: {exc}") from None
    if signer != submission.terms.provider:
        raise InvalidSubmission(
            f"the receipt is signed by {signer}, not by the job's provider "
            f"{submission.terms.provider} (under chain {domain.chain_id}, escrow "
            f"{domain.verifying_contract})"
        )
