"""Units against the registered throughput and the job's time window (pure)."""

from __future__ import annotations

import pytest

from oracles.verify.report import FailureCode
from oracles.verify.request import TimingPolicy
from oracles.verify.timing import check_timing, max_units_in
from protocol.typed_data import Receipt

ACCEPTED = 1_000
DEADLINE = 2_000
POLICY = TimingPolicy(throughput_slack=1.5, clock_skew_seconds=30)


def _codes(units: int, started: int, finished: int, rate: float = 10.0) -> list[FailureCode]:
    receipt = Receipt(
        job_id=b"\1" * 32,
        result_hash=b"\2" * 32,
        units=units,
        started_at=started,
        finished_at=finished,
    )
    failures = check_timing(
        receipt, units_per_second=rate, accepted_at=ACCEPTED, deadline=DEADLINE, policy=POLICY
    )
    return [f.code for f in failures]


def test_units_up_to_rate_times_elapsed_times_slack_pass() -> None:
    # 9 s counted as 10 s (whole-second stamps), 10 units/s, slack 1.5: 150 units.
    assert max_units_in(1_100, 1_109, 10.0, POLICY) == 150
    assert _codes(150, 1_100, 1_109) == []
    assert _codes(151, 1_100, 1_109) == [FailureCode.UNITS_ABOVE_THROUGHPUT]


def test_a_sub_second_honest_job_is_not_flagged() -> None:
    assert _codes(1, 1_100, 1_100, rate=1.0) == []


def test_inflated_units_in_a_short_run_are_flagged() -> None:
    assert _codes(1_000, 1_100, 1_101, rate=10.0) == [FailureCode.UNITS_ABOVE_THROUGHPUT]


@pytest.mark.parametrize(
    ("started", "finished", "code"),
    [
        (ACCEPTED - 31, ACCEPTED + 10, FailureCode.STARTED_BEFORE_ACCEPT),
        (DEADLINE - 10, DEADLINE + 31, FailureCode.FINISHED_AFTER_DEADLINE),
        (1_500, 1_499, FailureCode.FINISHED_BEFORE_START),
    ],
)
def test_times_outside_the_job_window_are_flagged(
    started: int, finished: int, code: FailureCode
) -> None:
    assert code in _codes(1, started, finished)


def test_clock_skew_within_the_policy_is_tolerated() -> None:
    assert _codes(1, ACCEPTED - 30, DEADLINE + 30) == []
