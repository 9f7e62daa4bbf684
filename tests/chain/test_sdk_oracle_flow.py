"""The oracle operator's whole job through the SDK: sign, combine k of n, settle."""

from __future__ import annotations

import pytest

from protocol.errors import SignatureError
from protocol.roles import Consumer, Provider
from protocol.typed_data import (
    JobStatus,
    JobTerms,
    Outcome,
    VerdictItem,
    job_id,
    verdict_batch_digest,
    verdict_digest,
)
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

SPEC = {"kind": "matmul", "n": 128}


def _delivered_job(net: DevNet, consumer: Consumer, provider: Provider, units: int) -> JobTerms:
    terms = consumer.new_terms(
        provider=provider.address, budget=10 * CREDIT, price_per_unit=CREDIT, spec=SPEC
    )
    consumer.open_job(terms)
    provider.accept(terms)
    provider.submit_receipt(terms, result_hash=b"\x99" * 32, units=units)
    return terms


def test_release_verdict_signed_by_two_of_three_settles_the_job(devnet: DevNet) -> None:
    devnet.fund(devnet.consumer, 10 * CREDIT)
    devnet.fund_and_stake(devnet.provider, 10 * CREDIT)
    terms = _delivered_job(devnet, devnet.consumer, devnet.provider, 7)
    a, b, c = devnet.oracles
    verdict = a.verdict(terms, outcome=Outcome.RELEASE, units=6)
    assert verdict.result_hash == b"\x99" * 32  # defaults to the committed result
    assert verdict.epoch == a.committee().epoch
    digest = verdict_digest(devnet.protocol.domain, verdict)
    onchain = devnet.protocol.contracts.escrow.read(
        "verdictDigest",
        (verdict.job_id, verdict.outcome, verdict.units, verdict.result_hash, verdict.epoch),
    )
    assert bytes(onchain) == digest

    # Given in any order and with a duplicate, combine sorts and de-duplicates.
    sigs = [c.sign_verdict(verdict), a.sign_verdict(verdict), c.sign_verdict(verdict)]
    combined = b.combine_verdict(verdict, sigs)
    assert len(combined) == 2 * 65
    result = b.settle(terms, verdict, combined)
    assert result.settled == (job_id(terms),)
    state = devnet.protocol.job(terms)
    assert (state.status, state.units, state.paid_out) == (JobStatus.SETTLED, 6, False)
    # Settling records the outcome only; payOut (anyone, here a member, by id) moves money.
    assert devnet.consumer.balance().claimable == 0
    assert devnet.provider.provider_status().locked == 5 * CREDIT
    paid = c.pay_out(["0x" + job_id(terms).hex()])
    pay = 6 * CREDIT - 6 * CREDIT * 150 // 10_000
    assert (paid.paid, paid.provider_pay, paid.consumer_refund) == (
        (job_id(terms),),
        pay,
        4 * CREDIT,
    )
    assert devnet.consumer.balance().claimable == 4 * CREDIT
    status = devnet.provider.provider_status()
    assert (status.claimable, status.locked, status.free) == (pay, 0, 10 * CREDIT)
    assert devnet.protocol.job(terms).paid_out


def test_one_signature_is_not_enough_and_nothing_is_sent(devnet: DevNet) -> None:
    devnet.fund(devnet.consumer, 10 * CREDIT)
    devnet.fund_and_stake(devnet.provider, 10 * CREDIT)
    terms = _delivered_job(devnet, devnet.consumer, devnet.provider, 3)
    a = devnet.oracles[0]
    verdict = a.verdict(terms, outcome=Outcome.RELEASE, units=3)
    with pytest.raises(SignatureError, match="needs 2"):
        a.combine_verdict(verdict, [a.sign_verdict(verdict)])


def test_signature_of_a_non_member_is_refused(devnet: DevNet) -> None:
    devnet.fund(devnet.consumer, 10 * CREDIT)
    devnet.fund_and_stake(devnet.provider, 10 * CREDIT)
    terms = _delivered_job(devnet, devnet.consumer, devnet.provider, 3)
    a = devnet.oracles[0]
    stranger = type(a)(devnet.protocol, devnet.wallets[5])
    verdict = a.verdict(terms, outcome=Outcome.RELEASE, units=3)
    with pytest.raises(SignatureError, match="not a member"):
        a.combine_verdict(verdict, [a.sign_verdict(verdict), stranger.sign_verdict(verdict)])


def test_fault_verdict_slashes_and_compensates_the_consumer(devnet: DevNet) -> None:
    devnet.fund(devnet.consumer, 10 * CREDIT)
    devnet.fund_and_stake(devnet.provider, 10 * CREDIT)
    terms = _delivered_job(devnet, devnet.consumer, devnet.provider, 9)
    a, b, _ = devnet.oracles
    verdict = a.verdict(terms, outcome=Outcome.FAULT)
    combined = a.combine_verdict(verdict, [a.sign_verdict(verdict), b.sign_verdict(verdict)])
    result = a.settle(terms, verdict, combined)
    assert result.slashed == (job_id(terms),)
    assert devnet.protocol.job(terms).status_name == "Slashed"
    # Budget back plus compensation capped at 25 % of the budget (2.5 of the 5 GPUC
    # collateral); the rest of the collateral is burnt or goes to the treasury.
    assert devnet.consumer.balance().claimable == 10 * CREDIT + 10 * CREDIT * 2_500 // 10_000
    fees, burns = devnet.protocol.contracts.escrow.read("accrued")
    assert int(fees) + int(burns) == 5 * CREDIT - 10 * CREDIT * 2_500 // 10_000
    status = devnet.provider.provider_status()
    assert (status.free, status.locked) == (5 * CREDIT, 0)


def test_batch_settles_several_jobs_and_skips_one_settled_meanwhile(devnet: DevNet) -> None:
    devnet.fund(devnet.consumer, 30 * CREDIT)
    devnet.fund_and_stake(devnet.provider, 30 * CREDIT)
    jobs = [_delivered_job(devnet, devnet.consumer, devnet.provider, u) for u in (2, 4, 6)]
    a, b, c = devnet.oracles
    items = [
        VerdictItem(job_id=job_id(t), outcome=Outcome.RELEASE, units=u, result_hash=b"\x99" * 32)
        for t, u in zip(jobs, (2, 4, 6), strict=True)
    ]
    batch = a.batch(items)
    digest = verdict_batch_digest(devnet.protocol.domain, batch)
    onchain = devnet.protocol.contracts.escrow.read(
        "verdictBatchDigest",
        [(i.job_id, i.outcome, i.units, i.result_hash) for i in items],
        batch.epoch,
    )
    assert bytes(onchain) == digest
    combined = c.combine_batch(batch, [b.sign_batch(batch), c.sign_batch(batch)])

    # The first job is settled on its own before the batch lands.
    single = a.verdict(jobs[0], outcome=Outcome.RELEASE, units=2)
    a.settle(
        jobs[0], single, a.combine_verdict(single, [a.sign_verdict(single), b.sign_verdict(single)])
    )

    result = c.settle_batch(list(zip(jobs, items, strict=True)), batch.epoch, combined)
    assert result.skipped == (job_id(jobs[0]),)
    assert result.settled == (job_id(jobs[1]), job_id(jobs[2]))
    assert all(devnet.protocol.job(t).status == JobStatus.SETTLED for t in jobs)

    # Nothing moved yet; the provider lists what awaits payout and pays all of it at once.
    provider = devnet.provider
    awaiting = provider.awaiting_payout()
    assert awaiting.jobs == tuple(job_id(t) for t in jobs)
    pays = [u * CREDIT - u * CREDIT * 150 // 10_000 for u in (2, 4, 6)]
    assert (awaiting.provider_pay, awaiting.consumer_refund) == (sum(pays), 18 * CREDIT)
    assert provider.provider_status().locked == 15 * CREDIT
    paid = provider.pay_out([*jobs, jobs[0]])  # a repeated job is sent once
    assert (paid.count, paid.provider_pay) == (3, sum(pays))
    status = provider.provider_status()
    assert (status.claimable, status.locked, status.free) == (sum(pays), 0, 30 * CREDIT)
    assert provider.awaiting_payout().jobs == ()
    # Paid out already: skipped, nothing credited twice.
    again = devnet.consumer.pay_out(jobs)
    assert (again.count, again.provider_pay) == (0, 0)
    assert provider.provider_status().claimable == sum(pays)


def test_non_delivery_is_slashed_after_deadline_and_grace(devnet: DevNet) -> None:
    consumer, provider = devnet.consumer, devnet.provider
    devnet.fund(consumer, 10 * CREDIT)
    devnet.fund_and_stake(provider, 10 * CREDIT)
    terms = consumer.new_terms(
        provider=provider.address,
        budget=10 * CREDIT,
        price_per_unit=CREDIT,
        spec=SPEC,
        accept_within=60,
        run_within=120,
    )
    consumer.open_job(terms)
    provider.accept(terms)
    window = int(devnet.protocol.contracts.escrow.read("disputeWindow"))
    devnet.advance(120 + window + 1)
    result = devnet.oracles[0].slash_non_delivery(terms)
    assert result.slashed == (job_id(terms),)
    assert consumer.balance().claimable == 10 * CREDIT + 10 * CREDIT * 2_500 // 10_000
