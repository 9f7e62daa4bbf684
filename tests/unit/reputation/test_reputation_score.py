"""The reputation score from synthetic histories: bounds, the prior for newcomers,
monotone in the right directions, recency, and the stake binding."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol.reputation import (
    AcceptSample,
    DeliverySample,
    JobOutcome,
    OutcomeKind,
    ProviderHistory,
    ScoreConfig,
    UptimeSample,
    score,
)

PROVIDER = "0x" + "ab" * 20
NOW = 1_800_000_000.0
DAY = 86_400.0


def _job(i: int) -> str:
    return "0x" + f"{i:064x}"


def outcome(kind: OutcomeKind, age_s: float = 0.0, i: int = 0) -> JobOutcome:
    return JobOutcome(at=NOW - age_s, job_id=_job(i), kind=kind)


def history(*outcomes: JobOutcome, **extra: object) -> ProviderHistory:
    return ProviderHistory(provider=PROVIDER, outcomes=outcomes, **extra)  # type: ignore[arg-type]


outcomes_st = st.lists(
    st.builds(
        JobOutcome,
        at=st.floats(min_value=NOW - 365 * DAY, max_value=NOW),
        job_id=st.integers(0, 2**64).map(_job),
        kind=st.sampled_from(list(OutcomeKind)),
    ),
    max_size=40,
)
accepts_st = st.lists(
    st.builds(
        AcceptSample,
        at=st.floats(min_value=NOW - 365 * DAY, max_value=NOW),
        latency_s=st.floats(min_value=0, max_value=1e6),
    ),
    max_size=10,
)
deliveries_st = st.lists(
    st.builds(
        DeliverySample,
        at=st.floats(min_value=NOW - 365 * DAY, max_value=NOW),
        window_used=st.floats(min_value=0, max_value=10),
    ),
    max_size=10,
)
uptime_st = st.lists(
    st.builds(
        UptimeSample,
        at=st.floats(min_value=NOW - 365 * DAY, max_value=NOW),
        uptime=st.floats(min_value=0, max_value=1),
        period_s=st.floats(min_value=1, max_value=30 * DAY),
    ),
    max_size=10,
)
histories_st = st.builds(
    ProviderHistory,
    provider=st.just(PROVIDER),
    outcomes=outcomes_st.map(tuple),
    accepts=accepts_st.map(tuple),
    deliveries=deliveries_st.map(tuple),
    uptime=uptime_st.map(tuple),
)


def test_newcomer_starts_at_the_neutral_prior_and_is_flagged_provisional() -> None:
    fresh = score(history(), NOW)
    assert fresh.score == pytest.approx(0.5)
    assert fresh.parts.reliability == pytest.approx(0.5)
    assert fresh.provisional and fresh.jobs == 0 and fresh.observations == 0


def test_a_few_jobs_stay_provisional_and_cannot_swing_the_score_to_an_end() -> None:
    three = score(history(*(outcome(OutcomeKind.SETTLED, i=i) for i in range(3))), NOW)
    assert three.provisional
    assert 0.5 < three.score < 0.9
    many = score(history(*(outcome(OutcomeKind.SETTLED, i=i) for i in range(50))), NOW)
    assert not many.provisional
    assert many.parts.reliability > 0.95 and many.completed == 50 and many.failed == 0


def test_unstaked_address_scores_zero_whatever_its_history() -> None:
    good = [outcome(OutcomeKind.SETTLED, i=i) for i in range(20)]
    rep = score(ProviderHistory(provider=PROVIDER, staked=False, outcomes=tuple(good)), NOW)
    assert rep.score == 0.0 and not rep.staked


def test_fraud_weighs_more_than_non_delivery_and_non_delivery_more_than_no_accept() -> None:
    base = [outcome(OutcomeKind.SETTLED, i=i) for i in range(10)]
    fraud = score(history(*base, outcome(OutcomeKind.SLASHED_FAULT, i=99)), NOW)
    missed = score(history(*base, outcome(OutcomeKind.SLASHED_NON_DELIVERY, i=99)), NOW)
    no_accept = score(history(*base, outcome(OutcomeKind.NOT_ACCEPTED, i=99)), NOW)
    assert fraud.score < missed.score < no_accept.score
    assert fraud.failed == missed.failed == no_accept.failed == 1


def test_recent_failures_count_more_than_old_ones() -> None:
    base = [outcome(OutcomeKind.SETTLED, age_s=30 * DAY, i=i) for i in range(10)]
    recent = score(history(*base, outcome(OutcomeKind.SLASHED_NON_DELIVERY, 0, 99)), NOW)
    old = score(history(*base, outcome(OutcomeKind.SLASHED_NON_DELIVERY, 90 * DAY, 99)), NOW)
    assert recent.score < old.score


def test_slow_accepts_late_deliveries_and_downtime_lower_their_parts() -> None:
    fast = score(history(accepts=(AcceptSample(at=NOW, latency_s=1),)), NOW)
    slow = score(history(accepts=(AcceptSample(at=NOW, latency_s=600),)), NOW)
    assert fast.parts.latency > 0.5 > slow.parts.latency
    early = score(history(deliveries=(DeliverySample(at=NOW, window_used=0.1),)), NOW)
    late = score(history(deliveries=(DeliverySample(at=NOW, window_used=0.99),)), NOW)
    assert early.parts.timeliness > 0.5 > late.parts.timeliness
    up = score(history(uptime=(UptimeSample(at=NOW, uptime=1.0, period_s=DAY),)), NOW)
    down = score(history(uptime=(UptimeSample(at=NOW, uptime=0.2, period_s=DAY),)), NOW)
    assert up.parts.uptime > 0.9 and down.parts.uptime < 0.3
    assert up.score > down.score


def test_score_is_deterministic_and_independent_of_sample_order() -> None:
    items = [outcome(k, age_s=i * DAY, i=i) for i, k in enumerate(OutcomeKind)]
    assert score(history(*items), NOW) == score(history(*reversed(items)), NOW)


@settings(max_examples=200, deadline=None)
@given(histories_st)
def test_score_and_every_part_stay_in_the_unit_interval(h: ProviderHistory) -> None:
    rep = score(h, NOW)
    assert 0.0 <= rep.score <= 1.0
    for value in rep.parts.model_dump().values():
        assert 0.0 <= value <= 1.0
    assert 0.0 <= rep.failure_probability <= 1.0


@settings(max_examples=200, deadline=None)
@given(histories_st, st.floats(min_value=0, max_value=365 * DAY))
def test_a_new_success_never_lowers_and_a_new_slash_never_raises(
    h: ProviderHistory, age: float
) -> None:
    before = score(h, NOW)
    win = h.model_copy(update={"outcomes": (*h.outcomes, outcome(OutcomeKind.SETTLED, age))})
    loss = h.model_copy(
        update={"outcomes": (*h.outcomes, outcome(OutcomeKind.SLASHED_NON_DELIVERY, age))}
    )
    fraud = h.model_copy(
        update={"outcomes": (*h.outcomes, outcome(OutcomeKind.SLASHED_FAULT, age))}
    )
    assert score(win, NOW).score >= before.score - 1e-12
    assert score(loss, NOW).score <= before.score + 1e-12
    assert score(fraud, NOW).score <= score(loss, NOW).score + 1e-12


@settings(max_examples=100, deadline=None)
@given(histories_st, st.floats(min_value=0, max_value=1e5), st.floats(min_value=0, max_value=1e5))
def test_a_slower_accept_never_scores_higher(h: ProviderHistory, a: float, b: float) -> None:
    fast, slow = sorted((a, b))
    with_fast = h.model_copy(update={"accepts": (*h.accepts, AcceptSample(at=NOW, latency_s=fast))})
    with_slow = h.model_copy(update={"accepts": (*h.accepts, AcceptSample(at=NOW, latency_s=slow))})
    assert score(with_fast, NOW).score >= score(with_slow, NOW).score - 1e-12


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="prior"):
        ScoreConfig(prior=1.5)
    with pytest.raises(ValueError, match="job_id"):
        JobOutcome(at=NOW, job_id="0x12", kind=OutcomeKind.SETTLED)
