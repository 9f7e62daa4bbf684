"""The provider's whole job through the SDK: stake, accept, receipt, payout, claim, unbond."""

from __future__ import annotations

import pytest

from protocol.contract_errors import (
    InsufficientStake,
    NothingToClaim,
    NothingUnbonding,
    NotSettled,
    UnbondingNotReady,
    UnknownJob,
)
from protocol.errors import InvalidInput
from protocol.roles import Consumer, Provider
from protocol.typed_data import JobStatus, JobTerms, job_id, receipt_digest, recover_signer
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

SPEC = {"kind": "embeddings", "model": "all-MiniLM-L6-v2", "count": 64}


@pytest.mark.parametrize("use_permit", [True, False])
def test_stake_moves_credits_into_free_stake(devnet: DevNet, use_permit: bool) -> None:
    provider = devnet.provider
    devnet.fund(provider, 80 * CREDIT)
    provider.stake(80 * CREDIT, use_permit=use_permit)
    status = provider.provider_status()
    assert (status.free, status.locked, status.unbonding) == (80 * CREDIT, 0, 0)
    assert status.credits == 0


def test_accept_locks_collateral_and_receipt_is_signed_for_the_oracles(devnet: DevNet) -> None:
    consumer, provider = devnet.consumer, devnet.provider
    devnet.fund(consumer, 40 * CREDIT)
    devnet.fund_and_stake(provider, 30 * CREDIT)
    terms = consumer.new_terms(
        provider=provider.address, budget=40 * CREDIT, price_per_unit=2 * CREDIT, spec=SPEC
    )
    consumer.open_job(terms)
    accepted = provider.accept("0x" + job_id(terms).hex())
    collateral = int(devnet.protocol.contracts.escrow.read("collateralFor", terms.budget))
    assert accepted.collateral == collateral == 20 * CREDIT  # 50 % of the budget
    assert provider.provider_status().locked == collateral

    submitted = provider.submit_receipt(
        terms, result_hash=b"\x42" * 32, units=12, started_at=100, finished_at=160
    )
    digest = receipt_digest(devnet.protocol.domain, submitted.signed.receipt)
    assert recover_signer(digest, submitted.signed.signature) == provider.address
    # The SDK's digest is the one the escrow computes.
    onchain = devnet.protocol.contracts.escrow.read(
        "receiptDigest", (job_id(terms), b"\x42" * 32, 12, 100, 160)
    )
    assert bytes(onchain) == digest
    state = provider.status(terms)
    assert (state.status, state.units, state.committed_result) == (
        JobStatus.DELIVERED,
        12,
        b"\x42" * 32,
    )


def test_finalize_after_the_window_pays_provider_minus_fee_and_burn(devnet: DevNet) -> None:
    consumer, provider = devnet.consumer, devnet.provider
    devnet.fund(consumer, 10 * CREDIT)
    devnet.fund_and_stake(provider, 10 * CREDIT)
    terms = consumer.new_terms(
        provider=provider.address, budget=10 * CREDIT, price_per_unit=CREDIT, spec=SPEC
    )
    consumer.open_job(terms)
    provider.accept(terms)
    provider.submit_receipt(terms, result_hash=b"\x07" * 32, units=8)
    devnet.advance(int(devnet.protocol.contracts.escrow.read("disputeWindow")))
    provider.finalize(terms)
    pay = 8 * CREDIT
    earned = pay - pay * 100 // 10_000 - pay * 50 // 10_000
    # Settled, not paid out: the money and the collateral stay in escrow.
    assert provider.status(terms).status == JobStatus.SETTLED
    status = provider.provider_status()
    assert (status.claimable, status.locked, status.free) == (0, 5 * CREDIT, 5 * CREDIT)
    with pytest.raises(NothingToClaim):
        provider.claim()
    awaiting = provider.awaiting_payout()
    assert (awaiting.jobs, awaiting.provider_pay, awaiting.consumer_refund) == (
        (job_id(terms),),
        earned,
        2 * CREDIT,
    )
    paid = provider.pay_out([terms])
    assert (paid.count, paid.provider_pay, paid.consumer_refund) == (1, earned, 2 * CREDIT)
    status = provider.provider_status()
    assert (status.claimable, status.locked, status.free) == (earned, 0, 10 * CREDIT)
    assert consumer.balance().claimable == 2 * CREDIT
    claimed, _ = provider.claim()
    assert claimed == earned
    assert provider.provider_status().credits == earned


def test_accept_without_enough_free_stake_is_refused(devnet: DevNet) -> None:
    consumer, provider = devnet.consumer, devnet.provider
    devnet.fund(consumer, 10 * CREDIT)
    terms = consumer.new_terms(
        provider=provider.address, budget=10 * CREDIT, price_per_unit=CREDIT, spec=SPEC
    )
    consumer.open_job(terms)
    with pytest.raises(InsufficientStake) as refused:
        provider.accept(terms)
    assert (refused.value.provider, refused.value.free, refused.value.needed) == (
        provider.address,
        0,
        5 * CREDIT,
    )


def test_unbond_waits_for_the_delay_then_withdraws(devnet: DevNet) -> None:
    provider = devnet.provider
    devnet.fund_and_stake(provider, 20 * CREDIT)
    with pytest.raises(NothingUnbonding):
        provider.withdraw()
    provider.request_unbond(15 * CREDIT)
    status = provider.provider_status()
    assert (status.free, status.unbonding) == (5 * CREDIT, 15 * CREDIT)
    with pytest.raises(UnbondingNotReady) as early:
        provider.withdraw()
    assert early.value.ready_at == status.unbonding_ready_at
    devnet.advance(int(devnet.protocol.contracts.staking.read("unbondingDelay")))
    withdrawn, _ = provider.withdraw()
    assert withdrawn == 15 * CREDIT
    status = provider.provider_status()
    assert (status.unbonding, status.credits) == (0, 15 * CREDIT)


def _settled_by_finalize(net: DevNet, consumer: Consumer, provider: Provider) -> JobTerms:
    terms = consumer.new_terms(
        provider=provider.address, budget=10 * CREDIT, price_per_unit=CREDIT, spec=SPEC
    )
    consumer.open_job(terms)
    provider.accept(terms)
    provider.submit_receipt(terms, result_hash=b"\x07" * 32, units=4)
    return terms


def test_payout_of_two_providers_jobs_unlocks_each_providers_collateral_once(
    devnet: DevNet,
) -> None:
    consumer, p1, p2 = devnet.consumer, devnet.provider, devnet.provider2
    devnet.fund(consumer, 40 * CREDIT)
    devnet.fund_and_stake(p1, 10 * CREDIT)
    devnet.fund_and_stake(p2, 10 * CREDIT)
    jobs = [_settled_by_finalize(devnet, consumer, p) for p in (p1, p2, p1, p2)]
    devnet.advance(int(devnet.protocol.contracts.escrow.read("disputeWindow")))
    for terms in jobs:
        p1.finalize(terms)  # anyone may finalize
    paid = consumer.pay_out(jobs)  # interleaved providers: the SDK groups them
    assert paid.count == 4 and paid.consumer_refund == 4 * 6 * CREDIT
    unlocks = devnet.protocol.contracts.staking.events(paid.tx.receipt, "CollateralUnlocked")
    assert sorted((e["provider"], e["amount"]) for e in unlocks) == sorted(
        [(p1.address, 10 * CREDIT), (p2.address, 10 * CREDIT)]
    )
    assert p1.provider_status().free == p2.provider_status().free == 10 * CREDIT


def test_payout_refuses_jobs_not_settled_and_sends_nothing(devnet: DevNet) -> None:
    consumer, provider = devnet.consumer, devnet.provider
    devnet.fund(consumer, 20 * CREDIT)
    devnet.fund_and_stake(provider, 10 * CREDIT)
    delivered = _settled_by_finalize(devnet, consumer, provider)
    devnet.advance(int(devnet.protocol.contracts.escrow.read("disputeWindow")))
    provider.finalize(delivered)
    still_open = consumer.new_terms(
        provider=provider.address, budget=10 * CREDIT, price_per_unit=CREDIT, spec=SPEC
    )
    consumer.open_job(still_open)
    nonce = devnet.protocol.transaction_count(provider.address)
    with pytest.raises(NotSettled) as refused:
        provider.pay_out([delivered, still_open])  # one bad job refuses the whole call
    assert (refused.value.job_id, refused.value.status) == (job_id(still_open), JobStatus.OPEN)
    with pytest.raises(UnknownJob):
        provider.pay_out(["0x" + "ab" * 32])
    with pytest.raises(InvalidInput, match="at least one job"):
        provider.pay_out([])
    assert devnet.protocol.transaction_count(provider.address) == nonce
    assert not provider.status(delivered).paid_out
    assert provider.provider_status().claimable == 0
