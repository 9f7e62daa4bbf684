"""Receipts from execution outcomes, signed with the protocol's EIP-712 code."""

from __future__ import annotations

import pytest
from eth_account import Account

from protocol.typed_data import Domain, receipt_digest, recover_signer
from provider.errors import ReceiptError
from provider.execution.outcome import RefusalReason, Refused, Succeeded, TimedOut
from provider.receipts import claimed_units, receipt_for, sign_receipt
from provider.results.content_hash import result_hash

KEY = bytes.fromhex("4c" * 32)
DOMAIN = Domain(chain_id=31337, verifying_contract="0x" + "e5" * 20)
JOB = bytes.fromhex("0b" * 32)


def succeeded(
    units: int = 7, started: float = 1_700_000_000.25, finished: float = 1_700_000_002.5
) -> Succeeded:
    return Succeeded(
        job_id=JOB,
        kind="matmul",
        started_at=started,
        finished_at=finished,
        result=b"C",
        result_hash=result_hash(b"C"),
        units=units,
    )


def test_receipt_carries_the_outcome_with_a_widened_whole_second_window() -> None:
    receipt = receipt_for(succeeded())

    assert receipt.job_id == JOB
    assert receipt.result_hash == result_hash(b"C")
    assert receipt.units == 7
    assert (receipt.started_at, receipt.finished_at) == (1_700_000_000, 1_700_000_003)


def test_units_are_capped_at_what_the_budget_pays() -> None:
    assert receipt_for(succeeded(units=7), max_units=5).units == 5
    assert receipt_for(succeeded(units=7), max_units=9).units == 7
    assert claimed_units(0, 3) == 0
    with pytest.raises(ReceiptError, match="units must be >= 0"):
        claimed_units(-1, None)


def test_overrides_are_what_cheat_mode_signs() -> None:
    receipt = receipt_for(succeeded(), result_hash=result_hash(b"forged"), units=70)

    assert receipt.result_hash == result_hash(b"forged")
    assert receipt.units == 70


@pytest.mark.parametrize(
    "outcome",
    [
        TimedOut(job_id=JOB, kind="matmul", started_at=1.0, finished_at=2.0, limit_seconds=1.0),
        Refused(
            job_id=JOB,
            kind="container",
            started_at=1.0,
            finished_at=1.0,
            reason=RefusalReason.NO_CONTAINER_ENGINE,
            detail="no engine",
        ),
    ],
)
def test_only_a_succeeded_job_gets_a_receipt(outcome: TimedOut | Refused) -> None:
    with pytest.raises(ReceiptError, match=f"ended {outcome.status}"):
        receipt_for(outcome)


def test_a_clock_that_ran_backwards_is_an_error() -> None:
    with pytest.raises(ReceiptError, match="before it started"):
        receipt_for(succeeded(started=10.0, finished=9.0))


def test_out_of_range_fields_are_a_receipt_error() -> None:
    with pytest.raises(ReceiptError, match="out of range"):
        receipt_for(succeeded(), units=2**64)
    with pytest.raises(ReceiptError, match="out of range"):
        receipt_for(succeeded(), result_hash=b"short")


def test_signature_recovers_to_the_provider_under_this_domain_only() -> None:
    signed = sign_receipt(DOMAIN, receipt_for(succeeded()), KEY)

    assert signed.signer == Account.from_key(KEY).address
    assert len(signed.signature) == 65
    assert recover_signer(receipt_digest(DOMAIN, signed.receipt), signed.signature) == signed.signer
    other_chain = Domain(chain_id=1, verifying_contract=DOMAIN.verifying_contract)
    assert (
        recover_signer(receipt_digest(other_chain, signed.receipt), signed.signature)
        != signed.signer
    )
