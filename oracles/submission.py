"""The checks of a POST /receipts body (protocol.wire.oracle.ReceiptSubmission) that
need no chain: the spec is the one the terms commit to, the receipt is for
these terms and signed by their provider, and some verifier knows the kind."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pydantic import ValidationError

from oracles.errors import InvalidSubmission
from protocol.compute.errors import InvalidJobSpec
from protocol.compute.specs import AnyJobSpec, ContainerSpec, EmbeddingsSpec, parse_spec
from protocol.errors import SignatureError
from protocol.job_spec import spec_hash
from protocol.llm.spec import LLMSessionSpec
from protocol.typed_data import Domain, job_id, receipt_digest, recover_signer
from protocol.wire.oracle import ReceiptSubmission

__all__ = ["ReceiptSubmission", "check_submission"]


def _typed_spec(document: dict[str, Any]) -> AnyJobSpec | LLMSessionSpec:
    if document.get("kind") == "llm":
        try:
            return LLMSessionSpec.model_validate(document)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'spec'}: {e['msg']}" for e in exc.errors()
            )
            raise InvalidSubmission(f"the session's spec is invalid: {problems}") from None
    try:
        return parse_spec(document)
    except InvalidJobSpec as exc:
        raise InvalidSubmission(f"the job's spec is invalid: {exc}") from None


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
    spec = _typed_spec(submission.spec)
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
