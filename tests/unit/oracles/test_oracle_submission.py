"""Receipt submissions, verdicts and peer signatures: the checks that need no chain."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_utils.crypto import keccak

from oracles.errors import InvalidPeerSignature, InvalidSubmission
from oracles.submission import ReceiptSubmission, check_submission
from oracles.verdicts import PeerSignature, check_peer_signature, verdict_for
from oracles.verify.report import Failure, FailureCode, VerificationReport
from protocol.job_spec import spec_hash
from protocol.typed_data import (
    Domain,
    JobTerms,
    Outcome,
    Receipt,
    Verdict,
    job_id,
    receipt_digest,
    sign_digest,
    verdict_digest,
)

DOMAIN = Domain(chain_id=31337, verifying_contract="0x" + "e5" * 20)
PROVIDER_KEY = bytes.fromhex("11" * 32)
MEMBER_KEY = bytes.fromhex("22" * 32)
SPEC: dict[str, Any] = {"kind": "matmul", "n": 64, "seed_a": 1, "seed_b": 2, "dtype": "float32"}
KINDS = ("matmul", "embeddings")


def _submission(**changes: Any) -> ReceiptSubmission:
    spec = changes.pop("spec", SPEC)
    terms = JobTerms(
        consumer="0x" + "c0" * 20,
        provider=Account.from_key(PROVIDER_KEY).address,
        budget=10**18,
        price_per_unit=10**16,
        accept_deadline=1_700_000_100,
        deadline=1_700_003_600,
        spec=spec_hash(changes.pop("committed_spec", SPEC)),
        salt=1,
    )
    receipt = Receipt(
        job_id=changes.pop("receipt_job", job_id(terms)),
        result_hash=keccak(b"result"),
        units=1,
        started_at=1_700_000_200,
        finished_at=1_700_000_201,
    )
    key = changes.pop("signer_key", PROVIDER_KEY)
    signature = sign_digest(key, receipt_digest(DOMAIN, receipt))
    return ReceiptSubmission(
        terms=terms,
        receipt=receipt,
        signature=signature,
        result_url="http://127.0.0.1:1/results/0x" + receipt.result_hash.hex(),
        spec=spec,
        **changes,
    )


def test_a_consistent_submission_passes_and_round_trips_as_json() -> None:
    submission = _submission()
    check_submission(submission, DOMAIN, KINDS)
    assert ReceiptSubmission.model_validate_json(submission.to_json()) == submission


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"spec": {**SPEC, "n": 65}}, "hashes to"),
        ({"receipt_job": b"\x01" * 32}, "the receipt is for job"),
        ({"signer_key": MEMBER_KEY}, "not by the job's provider"),
        (
            {
                "spec": {"kind": "container", "image": "--privileged", "command": []},
                "committed_spec": {"kind": "container", "image": "--privileged", "command": []},
            },
            "spec is invalid",
        ),
        (
            {
                "spec": {
                    "kind": "embeddings",
                    "model": "all-MiniLM-L6-v2",
                    "inputs_hash": "0x" + "ab" * 32,
                    "count": 4,
                },
                "committed_spec": {
                    "kind": "embeddings",
                    "model": "all-MiniLM-L6-v2",
                    "inputs_hash": "0x" + "ab" * 32,
                    "count": 4,
                },
            },
            "inputs_url",
        ),
    ],
)
def test_inconsistent_submissions_are_refused_with_the_reason(
    changes: dict[str, Any], problem: str
) -> None:
    with pytest.raises(InvalidSubmission, match=problem):
        check_submission(_submission(**changes), DOMAIN, KINDS)


def test_a_kind_without_verifier_is_refused() -> None:
    with pytest.raises(InvalidSubmission, match="no verifier for job kind 'matmul'"):
        check_submission(_submission(), DOMAIN, ("embeddings",))


def test_malformed_fields_fail_validation() -> None:
    good = _submission().model_dump()
    for field, value in (("signature", "0x1234"), ("result_url", "ftp://x"), ("signature", "0xzz")):
        with pytest.raises(ValueError):
            ReceiptSubmission.model_validate({**good, field: value})


def _report(failures: tuple[Failure, ...]) -> VerificationReport:
    return VerificationReport(
        job_id=b"\x01" * 32, kind="matmul", units=3, failures=failures, facts={}
    )


def test_verdicts_follow_the_report_and_pin_the_result_hash() -> None:
    receipt = _submission().receipt.model_copy(update={"units": 3})
    release = verdict_for(_report(()), receipt, epoch=4)
    assert (release.outcome, release.units, release.epoch) == (Outcome.RELEASE, 3, 4)
    assert release.result_hash == receipt.result_hash and release.job_id == receipt.job_id
    fault = verdict_for(
        _report((Failure(code=FailureCode.WRONG_RESULT, detail="x"),)), receipt, epoch=4
    )
    assert (fault.outcome, fault.units) == (Outcome.FAULT, 0)
    assert fault.result_hash == receipt.result_hash


def test_peer_signatures_must_recover_to_their_claimed_signer() -> None:
    verdict = Verdict(job_id=b"\x02" * 32, outcome=1, units=1, result_hash=b"\x03" * 32, epoch=1)
    digest = verdict_digest(DOMAIN, verdict)
    member = Account.from_key(MEMBER_KEY).address
    signed = PeerSignature(
        verdict=verdict, signer=member, signature=sign_digest(MEMBER_KEY, digest)
    )
    assert check_peer_signature(DOMAIN, signed) == digest
    other_job = signed.model_copy(update={"verdict": verdict.model_copy(update={"units": 2})})
    with pytest.raises(InvalidPeerSignature, match="recovers to"):
        check_peer_signature(DOMAIN, other_job)
    other_chain = Domain(chain_id=1, verifying_contract=DOMAIN.verifying_contract)
    with pytest.raises(InvalidPeerSignature, match="recovers to"):
        check_peer_signature(other_chain, signed)
    high_s = bytearray(signed.signature)
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    s = int.from_bytes(high_s[32:64], "big")
    high_s[32:64] = (n - s).to_bytes(32, "big")
    high_s[64] = 55 - high_s[64]  # 27 <-> 28
    malleated = signed.model_copy(update={"signature": bytes(high_s)})
    with pytest.raises(InvalidPeerSignature, match="malleable"):
        check_peer_signature(DOMAIN, malleated)


LLM_SPEC: dict[str, Any] = {
    "kind": "llm",
    "model": "gemma-3-270m",
    "session_key_hash": "0x" + "ab" * 32,
}


def test_an_llm_session_is_checked_against_its_session_spec() -> None:
    good = _submission(spec=LLM_SPEC, committed_spec=LLM_SPEC, committed_on_chain=True)
    check_submission(good, DOMAIN, (*KINDS, "llm"))
    with pytest.raises(InvalidSubmission, match="no verifier for job kind 'llm'"):
        check_submission(good, DOMAIN, KINDS)
    bad = {**LLM_SPEC, "session_key_hash": "0x12"}
    with pytest.raises(InvalidSubmission, match="session's spec is invalid: session_key_hash"):
        check_submission(_submission(spec=bad, committed_spec=bad), DOMAIN, (*KINDS, "llm"))
