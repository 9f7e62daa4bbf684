"""Could the provider's registered hardware have done the claimed units in the
time the receipt claims, inside the job's window? Pure arithmetic."""

from __future__ import annotations

from oracles.verify.report import Failure, FailureCode
from oracles.verify.request import TimingPolicy
from protocol.typed_data import Receipt

__all__ = ["check_timing", "max_units_in"]


def max_units_in(
    started_at: int, finished_at: int, units_per_second: float, policy: TimingPolicy
) -> int:
    """Most units the hardware can do between two whole-second timestamps.

    A run of 0.3 s can carry started == finished, so the elapsed time is counted
    as one second more than the difference: a fast honest job never shows 0 s.
    """
    elapsed = max(finished_at - started_at, 0) + 1
    return int(units_per_second * elapsed * policy.throughput_slack)


def check_timing(
    receipt: Receipt,
    *,
    units_per_second: float,
    accepted_at: int,
    deadline: int | None,
    policy: TimingPolicy,
) -> list[Failure]:
    failures: list[Failure] = []
    skew = policy.clock_skew_seconds
    if receipt.finished_at < receipt.started_at:
        failures.append(
            Failure(
                code=FailureCode.FINISHED_BEFORE_START,
                detail=f"finishedAt {receipt.finished_at} < startedAt {receipt.started_at}",
            )
        )
    if receipt.started_at + skew < accepted_at:
        failures.append(
            Failure(
                code=FailureCode.STARTED_BEFORE_ACCEPT,
                detail=f"startedAt {receipt.started_at} is more than {skew} s before "
                f"the accept at {accepted_at}",
            )
        )
    if deadline is not None and receipt.finished_at > deadline + skew:
        failures.append(
            Failure(
                code=FailureCode.FINISHED_AFTER_DEADLINE,
                detail=f"finishedAt {receipt.finished_at} is more than {skew} s after "
                f"the deadline {deadline}",
            )
        )
    allowed = max_units_in(receipt.started_at, receipt.finished_at, units_per_second, policy)
    if receipt.units > allowed:
        failures.append(
            Failure(
                code=FailureCode.UNITS_ABOVE_THROUGHPUT,
                detail=f"{receipt.units} units in {receipt.finished_at - receipt.started_at} s; "
                f"registered {units_per_second:g} units/s allows {allowed}",
            )
        )
    return failures
