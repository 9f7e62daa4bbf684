"""A session consumer's evidence (POST /llm/evidence): the checks that need no chain,
and its signature's round trip through JSON."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account

from oracles.errors import InvalidSubmission
from oracles.llm_evidence import check_evidence
from protocol.llm.bill import genesis_head, sign_bill
from protocol.llm.spec import LLMSessionSpec
from protocol.typed_data import Domain, JobTerms, job_id
from protocol.wallet import Wallet
from protocol.wire.llm_evidence import (
    ConsumerEvidence,
    SignedConsumerEvidence,
    evidence_digest,
    sign_evidence,
)

DOMAIN = Domain(chain_id=31337, verifying_contract="0x" + "e5" * 20)
CONSUMER = Wallet.from_private_key(bytes.fromhex("33" * 32))
PROVIDER_KEY = bytes.fromhex("11" * 32)
PROVIDER = Wallet.from_private_key(PROVIDER_KEY)
SPEC = LLMSessionSpec(model="gemma-3-270m", session_key_hash="0x" + "ab" * 32)


def _terms(spec: LLMSessionSpec = SPEC) -> JobTerms:
    return JobTerms(
        consumer=CONSUMER.address,
        provider=Account.from_key(PROVIDER_KEY).address,
        budget=10**18,
        price_per_unit=10**15,
        accept_deadline=1_700_000_100,
        deadline=1_700_003_600,
        spec=spec.hash(),
        salt=7,
    )


def _evidence(**changes: Any) -> ConsumerEvidence:
    terms = changes.pop("terms", _terms())
    jid = job_id(terms)
    bill = sign_bill(PROVIDER_KEY, jid, 2, 40, genesis_head(jid))
    fields: dict[str, Any] = {
        "terms": terms,
        "spec": SPEC.as_json(),
        "session_url": f"http://127.0.0.1:9/llm/sessions/0x{jid.hex()}",
        "bill": bill,
    }
    fields.update(changes)
    return ConsumerEvidence(**fields)


def test_the_consumers_evidence_passes_and_its_signature_survives_json() -> None:
    signed = sign_evidence(_evidence(), DOMAIN, CONSUMER)
    check_evidence(signed, DOMAIN, ("llm",))
    again = SignedConsumerEvidence.model_validate_json(signed.model_dump_json())
    assert again == signed
    assert again.signer(DOMAIN) == CONSUMER.address


def test_the_signature_binds_the_escrow_and_every_field() -> None:
    evidence = _evidence()
    other_escrow = Domain(chain_id=31337, verifying_contract="0x" + "e6" * 20)
    assert evidence_digest(DOMAIN, evidence) != evidence_digest(other_escrow, evidence)
    moved = evidence.model_copy(update={"session_url": "http://127.0.0.1:9/elsewhere"})
    assert evidence_digest(DOMAIN, evidence) != evidence_digest(DOMAIN, moved)


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: sign_evidence(_evidence(), DOMAIN, PROVIDER), "not by the job's consumer"),
        (
            # Signed under another escrow: recovers to someone else here.
            lambda: sign_evidence(
                _evidence(), Domain(chain_id=1, verifying_contract="0x" + "e5" * 20), CONSUMER
            ),
            "not by the job's consumer",
        ),
        (
            # Signed, then the URL swapped: the signature no longer recovers to the consumer.
            lambda: SignedConsumerEvidence(
                evidence=_evidence(session_url="http://127.0.0.1:9/evil"),
                signature=sign_evidence(_evidence(), DOMAIN, CONSUMER).signature,
            ),
            "not by the job's consumer",
        ),
        (
            lambda: sign_evidence(
                _evidence(
                    spec=LLMSessionSpec(
                        model="gemma-3-270m", session_key_hash="0x" + "cd" * 32
                    ).as_json()
                ),
                DOMAIN,
                CONSUMER,
            ),
            "hashes to",
        ),
        (
            lambda: sign_evidence(
                _evidence(bill=sign_bill(PROVIDER_KEY, b"\x01" * 32, 1, 5, b"\x02" * 32)),
                DOMAIN,
                CONSUMER,
            ),
            "the bill is for session",
        ),
        (
            lambda: sign_evidence(
                _evidence(
                    bill=sign_bill(
                        bytes.fromhex("44" * 32),
                        job_id(_terms()),
                        1,
                        5,
                        genesis_head(job_id(_terms())),
                    )
                ),
                DOMAIN,
                CONSUMER,
            ),
            "the bill proves nothing",
        ),
    ],
)
def test_forged_evidence_is_refused_naming_the_problem(make: Any, problem: str) -> None:
    with pytest.raises(InvalidSubmission, match=problem):
        check_evidence(make(), DOMAIN, ("llm",))


def test_an_oracle_without_llm_judging_refuses_it() -> None:
    with pytest.raises(InvalidSubmission, match="no llm sessions"):
        check_evidence(sign_evidence(_evidence(), DOMAIN, CONSUMER), DOMAIN, ("matmul",))
