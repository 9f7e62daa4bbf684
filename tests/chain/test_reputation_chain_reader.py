"""A provider's history read back from real escrow events on anvil, and the score built
from it: settled, slashed for non-delivery, refunded after a missed accept; a cancelled
job does not count; an unstaked fresh key scores 0, a staked one starts at the prior."""

from __future__ import annotations

import pytest

from matcher.routing.chain_source import ChainReputationSource
from protocol.reputation import OutcomeKind, ProviderHistory, UptimeSample, score
from protocol.reputation.chain import provider_history
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

SPEC = {"kind": "matmul", "n": 64, "seed_a": 1, "seed_b": 2, "dtype": "float32"}


def test_history_from_escrow_events_gives_outcomes_latency_and_timing(devnet: DevNet) -> None:
    consumer, provider = devnet.consumer, devnet.provider
    escrow = devnet.protocol.contracts.escrow
    window = int(escrow.read("disputeWindow"))
    consumer.buy_exact_credits(40 * CREDIT)
    devnet.fund_and_stake(provider, 100 * CREDIT)

    def terms(salt: int, run_within: int = 3600) -> object:
        return consumer.new_terms(
            provider=provider.address,
            budget=10 * CREDIT,
            price_per_unit=CREDIT,
            spec=SPEC,
            accept_within=600,
            run_within=run_within,
            salt=salt,
        )

    settled, silent, ignored, cancelled = terms(1), terms(2, 1200), terms(3), terms(4)
    for t in (settled, silent, ignored, cancelled):
        consumer.open_job(t)  # type: ignore[arg-type]
    consumer.cancel(cancelled)  # type: ignore[arg-type]
    devnet.advance(5)
    provider.accept(settled)  # type: ignore[arg-type]
    provider.accept(silent)  # type: ignore[arg-type]
    provider.submit_receipt(settled, result_hash=b"\x01" * 32, units=10)  # type: ignore[arg-type]
    devnet.advance(window + 1)
    provider.finalize(settled)  # type: ignore[arg-type]
    devnet.advance(1200 + window)
    consumer.refund(ignored)  # type: ignore[arg-type]
    consumer.sender.send(escrow.tx("slashNonDelivery", silent.as_tuple()))  # type: ignore[attr-defined]

    history = provider_history(devnet.protocol, provider.address)
    kinds = sorted(o.kind for o in history.outcomes)
    assert kinds == sorted(
        [OutcomeKind.SETTLED, OutcomeKind.SLASHED_NON_DELIVERY, OutcomeKind.NOT_ACCEPTED]
    )
    assert history.staked
    assert len(history.accepts) == 2
    assert all(a.latency_s >= 5 for a in history.accepts)
    (delivery,) = history.deliveries
    assert 0 < delivery.window_used < 0.5

    rep = score(history, devnet.protocol.now())
    assert (rep.jobs, rep.completed, rep.failed) == (3, 1, 2)
    assert rep.provisional
    # two failures out of three: reliability falls below the newcomer's prior
    assert rep.parts.reliability < 0.5 < rep.failure_probability


def test_fresh_keys_start_at_the_prior_only_when_staked(devnet: DevNet) -> None:
    fresh = devnet.provider2
    unstaked = score(provider_history(devnet.protocol, fresh.address), devnet.protocol.now())
    assert unstaked.score == 0.0 and not unstaked.staked and unstaked.jobs == 0
    devnet.fund_and_stake(fresh, 10 * CREDIT)
    staked = score(provider_history(devnet.protocol, fresh.address), devnet.protocol.now())
    assert staked.score == pytest.approx(0.5) and staked.provisional


def test_the_routing_feed_scores_the_matchers_uptime_samples(devnet: DevNet) -> None:
    """matcher.routing.chain_source: escrow history plus the uptime samples it is handed
    (GET /api/market/providers/{address}/uptime); none leaves the uptime part at the prior."""
    fresh = devnet.provider2
    devnet.fund_and_stake(fresh, 10 * CREDIT)
    now = devnet.protocol.now()
    down = tuple(UptimeSample(at=now - 3600 * i, uptime=0.1, period_s=3600) for i in range(6))
    source = ChainReputationSource(devnet.protocol)
    (without,) = source([fresh.address], {})
    (with_uptime,) = source([fresh.address], {fresh.address: down})
    assert without.uptime == 0.5
    expected = score(ProviderHistory(provider=fresh.address, uptime=down), now).parts.uptime
    assert with_uptime.uptime == round(expected, 3) and with_uptime.uptime < 0.4
    assert with_uptime.score < without.score
