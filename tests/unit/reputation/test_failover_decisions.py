"""When the consumer fails a job over, from chain status and times alone."""

from __future__ import annotations

import pytest

from protocol.failover import FailoverAction, FailoverPolicy, decide, reclaim_action
from protocol.typed_data import JobStatus, JobTerms

T0 = 1_800_000_000
TERMS = JobTerms(
    consumer="0x" + "11" * 20,
    provider="0x" + "22" * 20,
    budget=100,
    price_per_unit=10,
    accept_deadline=T0 + 60,
    deadline=T0 + 600,
    spec=b"\x00" * 32,
    salt=1,
)
POLICY = FailoverPolicy(accept_timeout_s=20, silence_s=15)
WINDOW = 30  # the escrow's dispute window


def act(status: int, now: int, silent: float | None = None, policy: FailoverPolicy = POLICY) -> str:
    return decide(
        status,
        TERMS,
        chain_now=now,
        opened_at=T0,
        provider_silent_s=silent,
        policy=policy,
        dispute_window=WINDOW,
    ).value


def test_open_waits_then_cancels_at_the_consumer_timeout_then_refunds_past_the_deadline() -> None:
    assert act(JobStatus.OPEN, T0 + 5) == FailoverAction.WAIT
    assert act(JobStatus.OPEN, T0 + 21) == FailoverAction.CANCEL
    assert act(JobStatus.OPEN, T0 + 61) == FailoverAction.REFUND
    no_timeout = FailoverPolicy()
    assert act(JobStatus.OPEN, T0 + 59, policy=no_timeout) == FailoverAction.WAIT
    assert act(JobStatus.OPEN, T0 + 61, policy=no_timeout) == FailoverAction.REFUND


def test_accepted_is_suspect_when_silent_or_late_and_moves_only_once_slashable() -> None:
    """Never paid twice: until the escrow lets the consumer slash non-delivery (deadline +
    dispute window) the provider may still be paid, so the work does not move before."""
    assert act(JobStatus.ACCEPTED, T0 + 100, silent=None) == FailoverAction.WAIT
    assert act(JobStatus.ACCEPTED, T0 + 100, silent=3.0) == FailoverAction.WAIT
    assert act(JobStatus.ACCEPTED, T0 + 100, silent=15.0) == FailoverAction.SUSPECT
    assert act(JobStatus.ACCEPTED, T0 + 100, silent=float("inf")) == FailoverAction.SUSPECT
    assert act(JobStatus.ACCEPTED, T0 + 601, silent=None) == FailoverAction.SUSPECT
    assert act(JobStatus.ACCEPTED, T0 + 600 + WINDOW, silent=float("inf")) == (
        FailoverAction.SUSPECT
    )
    assert act(JobStatus.ACCEPTED, T0 + 601 + WINDOW, silent=None) == FailoverAction.MIGRATE
    assert act(JobStatus.ACCEPTED, T0 + 601 + WINDOW, silent=float("inf")) == (
        FailoverAction.MIGRATE
    )


def test_settled_work_is_done_and_delivered_work_waits_for_its_verdict() -> None:
    assert act(JobStatus.SETTLED, T0 + 10_000, silent=float("inf")) == FailoverAction.DONE
    for status in (JobStatus.DELIVERED, JobStatus.DISPUTED):  # silence does not matter now
        assert act(status, T0 + 10_000, silent=float("inf")) == FailoverAction.WAIT


@pytest.mark.parametrize("status", [JobStatus.SLASHED, JobStatus.REFUNDED])
def test_slashed_or_refunded_work_is_placed_again(status: int) -> None:
    assert act(status, T0 + 10) == FailoverAction.REPLACE


def test_reclaim_waits_for_the_escrow_to_allow_it() -> None:
    window = 30
    assert (
        reclaim_action(JobStatus.ACCEPTED, TERMS, chain_now=T0 + 630, dispute_window=window)
        == "wait"
    )
    assert (
        reclaim_action(JobStatus.ACCEPTED, TERMS, chain_now=T0 + 631, dispute_window=window)
        == "slash"
    )
    assert reclaim_action(JobStatus.OPEN, TERMS, chain_now=T0 + 60, dispute_window=window) == "wait"
    assert (
        reclaim_action(JobStatus.OPEN, TERMS, chain_now=T0 + 61, dispute_window=window) == "refund"
    )
    assert reclaim_action(JobStatus.SLASHED, TERMS, chain_now=T0, dispute_window=window) == "done"


def test_policy_is_validated_and_blocks_any_case() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        FailoverPolicy(max_attempts=0)
    assert FailoverPolicy(blocked=frozenset({"0xABCD"})).is_blocked("0xabcd")
