"""Recent jobs from escrow events: states only move forward, amounts set once (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.dashboard.errors import InvalidDashboardSetting
from matcher.dashboard.job_ledger import JobLedger

C, P = "0x" + "c1" * 20, "0x" + "b2" * 20
CREDIT = 10**18


def jid(n: int) -> bytes:
    return n.to_bytes(32, "big")


def opened(n: int, budget: int = 10 * CREDIT, consumer: str = C) -> dict[str, Any]:
    terms = {"consumer": consumer, "provider": P, "budget": budget, "pricePerUnit": CREDIT}
    return {"jobId": jid(n), "terms": terms}


def status_of(ledger: JobLedger, n: int) -> str:
    (row,) = [r for r in ledger.rows() if r.job_id == "0x" + jid(n).hex()]
    return row.status


def test_a_settled_job_records_pay_and_refund() -> None:
    ledger = JobLedger()
    ledger.apply("JobOpened", opened(1), 10)
    ledger.apply("JobAccepted", {"jobId": jid(1)}, 11)
    receipt = {"jobId": jid(1), "units": 7, "resultHash": b"\xab" * 32}
    ledger.apply("ReceiptSubmitted", receipt, 12)
    settled = {"jobId": jid(1), "units": 6, "providerPay": 591 * CREDIT // 100}
    ledger.apply("JobSettled", {**settled, "consumerRefund": 4 * CREDIT}, 13)
    (row,) = ledger.rows()
    assert (row.status, row.units, row.paid_wei, row.returned_wei, row.slashed_wei) == (
        "Settled",
        6,
        591 * CREDIT // 100,
        4 * CREDIT,
        0,
    )
    assert (row.opened_block, row.updated_block, row.consumer, row.provider) == (10, 13, C, P)
    assert row.paid_out is False  # owed, not credited yet
    # The dashboard fetches the result archive by this hash (container jobs' resource use).
    assert row.result_hash == "0x" + "ab" * 32


def test_payout_marks_a_settled_job_credited_once_and_only_a_settled_one() -> None:
    ledger = JobLedger()
    for n in (1, 2):
        ledger.apply("JobOpened", opened(n), 1)
    ledger.apply(
        "JobSettled", {"jobId": jid(1), "units": 2, "providerPay": 3, "consumerRefund": 4}, 2
    )
    paid = {"jobId": jid(1), "providerPay": 3, "consumerRefund": 4}
    ledger.apply("JobPaidOut", paid, 5)
    ledger.apply("JobPaidOut", paid, 7)  # seen twice
    ledger.apply("JobPaidOut", {**paid, "jobId": jid(2)}, 6)  # not settled: ignored
    settled, still_open = sorted(ledger.rows(), key=lambda r: r.job_id)
    assert (settled.status, settled.paid_out, settled.paid_wei, settled.updated_block) == (
        "Settled",
        True,
        3,
        5,
    )
    assert (still_open.status, still_open.paid_out, still_open.updated_block) == ("Open", False, 1)


def test_slash_returns_budget_and_compensation_refund_returns_the_budget() -> None:
    ledger = JobLedger()
    ledger.apply("JobOpened", opened(1), 1)
    ledger.apply("JobOpened", opened(2), 1)
    ledger.apply(
        "JobSlashed", {"jobId": jid(1), "slashed": 5 * CREDIT, "compensation": 5 * CREDIT}, 2
    )
    ledger.apply("JobRefunded", {"jobId": jid(2), "amount": 10 * CREDIT}, 3)
    slashed, refunded = sorted(ledger.rows(), key=lambda r: r.job_id)
    assert (slashed.status, slashed.returned_wei, slashed.slashed_wei) == (
        "Slashed",
        15 * CREDIT,
        5 * CREDIT,
    )
    assert (refunded.status, refunded.returned_wei) == ("Refunded", 10 * CREDIT)


def test_states_never_move_back_and_a_second_settlement_changes_nothing() -> None:
    ledger = JobLedger()
    ledger.apply("JobOpened", opened(1), 1)
    ledger.apply("JobDisputed", {"jobId": jid(1)}, 2)
    ledger.apply("JobAccepted", {"jobId": jid(1)}, 3)  # replayed, older
    assert status_of(ledger, 1) == "Disputed"
    ledger.apply("JobRefunded", {"jobId": jid(1), "amount": 10 * CREDIT}, 4)
    ledger.apply(
        "JobSettled", {"jobId": jid(1), "units": 1, "providerPay": 1, "consumerRefund": 2}, 5
    )
    ledger.apply("JobOpened", opened(1, budget=1), 6)  # seen twice
    (row,) = ledger.rows()
    assert (row.status, row.returned_wei, row.paid_wei, row.budget_wei, row.updated_block) == (
        "Refunded",
        10 * CREDIT,
        0,
        10 * CREDIT,
        4,
    )


def test_keeps_the_newest_jobs_and_ignores_events_of_forgotten_ones() -> None:
    ledger = JobLedger(capacity=2)
    for n in (1, 2, 3):
        ledger.apply("JobOpened", opened(n, consumer=f"0x{n:040x}"), n)
    ledger.apply("JobAccepted", {"jobId": jid(1)}, 9)
    assert [r.job_id[-1] for r in ledger.rows()] == ["3", "2"]
    assert ledger.opened == 3 and len(ledger) == 2
    assert ledger.participants() == [f"0x{3:040x}", P, f"0x{2:040x}"]
    ledger.clear()
    assert (ledger.rows(), ledger.opened) == ([], 0)


def test_capacity_must_be_positive() -> None:
    with pytest.raises(InvalidDashboardSetting, match="at least 1"):
        JobLedger(capacity=0)
