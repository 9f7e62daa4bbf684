"""Heartbeat uptime accounting (matcher.routing.uptime): seconds covered by a live offer
per hour bucket, overlapping offers counted once, withdrawals end coverage, bounded to 30
days, and the same log gives the same figures however often time was observed between
commands (replay) and through a snapshot (the pickled engine)."""

from __future__ import annotations

import contextlib
import pickle

import pytest

from matcher.book import ResourceCatalog
from matcher.engine.commands import Heartbeat, RegisterOffer, Sweep, WithdrawOffer
from matcher.engine.engine import Engine
from matcher.errors import MatcherError
from matcher.routing.uptime import UptimeLedger
from protocol.pricing import FixedPricing
from protocol.reputation import ProviderHistory, UptimeSample, score

H = 3600.0
T0 = 1_800_000_000.0  # a bucket boundary (500,000 hours)
P = "0x" + "aa" * 20
Q = "0x" + "bb" * 20
TTL = 60.0


def _uptimes(ledger: UptimeLedger, provider: str, now: float) -> list[tuple[float, float, float]]:
    return [(s.at, round(s.uptime, 9), s.period_s) for s in ledger.samples(provider, now)]


def test_heartbeats_every_30s_cover_the_whole_hour() -> None:
    ledger = UptimeLedger()
    t = T0
    while t < T0 + H:
        ledger.alive(P, "o1", t, t + TTL)
        t += 30
    assert _uptimes(ledger, P, T0 + H) == [(T0 + H, 1.0, H)]


def test_an_offer_that_stops_heartbeating_covers_only_its_ttl() -> None:
    ledger = UptimeLedger()
    ledger.alive(P, "o1", T0, T0 + TTL)
    assert _uptimes(ledger, P, T0 + 30) == [(T0 + 30, 1.0, 30)]  # live so far
    # At the end of the hour: 60 s of 3600, then the next (partial) bucket is all down.
    assert _uptimes(ledger, P, T0 + H + 900) == [
        (T0 + H, round(TTL / H, 9), H),
        (T0 + H + 900, 0.0, 900),
    ]


def test_a_gap_closes_the_run_and_a_new_one_starts() -> None:
    ledger = UptimeLedger()
    ledger.alive(P, "o1", T0, T0 + TTL)  # covers [0, 60)
    ledger.alive(P, "o1", T0 + 600, T0 + 600 + TTL)  # down [60, 600), up [600, 660)
    ledger.alive(P, "o1", T0 + 630, T0 + 630 + TTL)  # extends to 690
    assert _uptimes(ledger, P, T0 + H) == [(T0 + H, round(150 / H, 9), H)]


def test_runs_split_at_bucket_boundaries_and_first_seen_starts_the_first_period() -> None:
    ledger = UptimeLedger()
    start = T0 + H - 1800  # first seen half way through the first hour
    t = start
    while t <= T0 + H + 600:
        ledger.alive(P, "o1", t, t + TTL)
        t += 30
    # Down from T0 + H + 660 on; a later heartbeat closes that run into the buckets.
    ledger.alive(P, "o1", T0 + 2 * H + 10, T0 + 2 * H + 10 + TTL)
    assert _uptimes(ledger, P, T0 + 2 * H + 70) == [
        (T0 + H, 1.0, 1800),  # the first period runs from first seen, not the hour
        (T0 + 2 * H, round(660 / H, 9), H),
        (T0 + 2 * H + 70, round(60 / 70, 9), 70),
    ]


def test_overlapping_offers_count_once_and_withdrawals_end_coverage() -> None:
    ledger = UptimeLedger()
    ledger.alive(P, "a", T0, T0 + TTL)
    ledger.alive(P, "b", T0 + 10, T0 + 10 + TTL)
    ledger.gone(P, "a", T0 + 20)  # "b" still live until T0 + 70
    ledger.gone(P, "b", T0 + 40)  # now nothing: coverage ends at T0 + 40
    assert _uptimes(ledger, P, T0 + 100) == [(T0 + 100, 0.4, 100)]
    ledger.gone(P, "b", T0 + 50)  # again: nothing more changes
    ledger.gone(Q, "x", T0 + 50)  # never seen: ignored
    assert _uptimes(ledger, P, T0 + 100) == [(T0 + 100, 0.4, 100)]
    assert ledger.samples(Q, T0 + 100) == []


def test_providers_are_separate_and_addresses_case_blind() -> None:
    ledger = UptimeLedger()
    ledger.alive(P.upper().replace("0X", "0x"), "a", T0, T0 + TTL)
    ledger.alive(Q, "b", T0, T0 + 2 * TTL)
    assert _uptimes(ledger, P, T0 + 240) == [(T0 + 240, 0.25, 240)]
    assert _uptimes(ledger, Q, T0 + 240) == [(T0 + 240, 0.5, 240)]


def test_memory_and_reads_are_bounded_to_the_window() -> None:
    ledger = UptimeLedger()
    t = T0
    while t < T0 + 40 * 86400:  # 40 days, a heartbeat every 50 s with a gap each hour
        if t % H < H - 600:
            ledger.alive(P, "o1", t, t + TTL)
        t += 50
    now = t + 100
    samples = ledger.samples(P, now)
    assert len(samples) == 30 * 24  # 30 days of buckets: 719 whole hours and the current one
    assert samples[0].at == (now // H - 30 * 24 + 2) * H and samples[-1].period_s == 100
    assert len(ledger._providers[P].buckets) <= 30 * 24
    assert all(0.8 < s.uptime < 0.85 for s in samples[1:-1])  # (3000 + 60) / 3600 = 0.85


def test_a_provider_gone_for_the_window_is_forgotten_the_same_with_or_without_prune() -> None:
    pruned, kept = UptimeLedger(), UptimeLedger()
    for ledger in (pruned, kept):
        ledger.alive(P, "o1", T0, T0 + TTL)
    later = T0 + 31 * 86400
    pruned.prune(later)
    assert len(pruned) == 0 and len(kept) == 1
    assert pruned.samples(P, later) == kept.samples(P, later) == []
    for ledger in (pruned, kept):  # it comes back: a new history either way
        ledger.alive(P, "o1", later, later + TTL)
    assert _uptimes(pruned, P, later + 120) == _uptimes(kept, P, later + 120)
    assert _uptimes(kept, P, later + 120) == [(later + 120, 0.5, 120)]


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="bucket_s"):
        UptimeLedger(bucket_s=0)
    with pytest.raises(ValueError, match="keep_s"):
        UptimeLedger(bucket_s=H, keep_s=60)


# -- through the engine: logged commands, replay and snapshot ---------------------------


def _offer(offer_id: str, owner: str) -> RegisterOffer:
    return RegisterOffer(
        offer_id=offer_id,
        owner=owner,
        resource="h100",
        strategy=FixedPricing(price_wei=100),
        capacity_units_per_s=10.0,
        min_job_units=1,
    )


def _story() -> list[tuple[float, object]]:
    """Two providers over three hours: heartbeats, a missed heartbeat (the offer leaves
    the book, the late heartbeat is refused), a re-registration and a withdrawal."""
    cmds: list[tuple[float, object]] = [(T0 + 5, _offer("p1", P)), (T0 + 7, _offer("q1", Q))]
    t = T0 + 5
    while t < T0 + 3 * H:
        t += 45
        if t < T0 + H:
            cmds.append((t, Heartbeat(offer_id="p1", owner=P)))
        elif T0 + H + 600 <= t < T0 + H + 900:  # silent 10 min: p1 left the book
            cmds.append((t, Heartbeat(offer_id="p1", owner=P)))  # so these are refused
        elif t >= T0 + H + 900:  # and P comes back with a new offer
            cmds.append((t, Heartbeat(offer_id="p2", owner=P)))
        if t < T0 + 2 * H:
            cmds.append((t + 1, Heartbeat(offer_id="q1", owner=Q)))
    cmds.append((T0 + H + 905, _offer("p2", P)))
    cmds.append((T0 + 2 * H + 100, WithdrawOffer(offer_id="q1", owner=Q)))
    cmds.append((T0 + 3 * H + 30, Sweep()))
    return sorted(cmds, key=lambda c: c[0])


def _run(
    commands: list[tuple[float, object]], engine: Engine | None = None, extra_sweeps: bool = False
) -> Engine:
    engine = engine or Engine(ResourceCatalog())
    for at, command in commands:
        if extra_sweeps:  # the live service observes time more often than it logs
            engine.advance(at - 13.7)
        engine.advance(at)
        with contextlib.suppress(MatcherError):  # refused commands are part of the story
            engine.apply(command, at)  # type: ignore[arg-type]
    return engine


def test_the_engine_records_uptime_and_a_replay_or_snapshot_gives_the_same() -> None:
    story = _story()
    live = _run(story, extra_sweeps=True)
    replayed = _run(story)
    half = len(story) // 2
    restored = pickle.loads(pickle.dumps(_run(story[:half])))
    _run(story[half:], restored)
    now = T0 + 3 * H + 60
    for provider in (P, Q):
        expected = live.uptime.samples(provider, now)
        assert replayed.uptime.samples(provider, now) == expected
        assert restored.uptime.samples(provider, now) == expected
    p = [s.uptime for s in live.uptime.samples(P, now)]
    q = [s.uptime for s in live.uptime.samples(Q, now)]
    assert p[0] == 1.0 and 0.7 < p[1] < 0.8 and p[2] == 1.0  # the missed quarter hour
    assert q[0] == 1.0 and q[1] == 1.0 and q[2] < 0.05 and q[3] == 0.0  # stopped, withdrew


def test_an_old_snapshot_without_a_ledger_loads_with_an_empty_one() -> None:
    engine = Engine(ResourceCatalog())
    state = engine.__dict__.copy()
    del state["uptime"]
    old = Engine.__new__(Engine)
    old.__setstate__(state)
    assert old.uptime.samples(P, T0) == []


def test_uptime_samples_move_the_score_off_the_prior() -> None:
    ledger = UptimeLedger()
    ledger.alive(P, "o1", T0, T0 + TTL)
    now = T0 + 2 * H
    history = ProviderHistory(provider=P, uptime=tuple(ledger.samples(P, now)))
    # Two hours as two observations against the prior's two: (1 + 60/3600 + 0) / 4.
    assert score(history, now).parts.uptime == pytest.approx((1 + TTL / H) / 4, abs=1e-3)
    full = ProviderHistory(provider=P, uptime=(UptimeSample(at=now, uptime=1.0, period_s=H),) * 5)
    assert score(full, now).parts.uptime > 0.8
