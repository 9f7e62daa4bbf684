"""The consumer's whole job through the SDK: credits, jobs, cancel/refund/dispute, claim."""

from __future__ import annotations

import pytest

from protocol.contract_errors import TooEarly, WrongStatus
from protocol.errors import InvalidInput
from protocol.typed_data import JobStatus, acceptance_digest, job_id
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

SPEC = {"kind": "matmul", "n": 64, "seed_a": 1, "seed_b": 2, "dtype": "float32"}


def test_buy_exact_credits_pays_the_spread_and_mints_the_amount(devnet: DevNet) -> None:
    consumer = devnet.consumer
    eth_before = devnet.protocol.eth_balance(consumer.address)
    purchase = consumer.buy_exact_credits(250 * CREDIT)
    assert purchase.credits >= 250 * CREDIT
    assert consumer.balance().credits == purchase.credits
    # 1 GPUC = 0.001 ETH plus a 50 bps spread on what is paid.
    assert purchase.reserve_in == consumer.reserve_for(250 * CREDIT)
    assert purchase.spread == purchase.reserve_in * 50 // 10_000
    paid = eth_before - devnet.protocol.eth_balance(consumer.address)
    assert paid == purchase.reserve_in + purchase.tx.fee_paid


def test_redeem_burns_credits_and_pays_the_reserve_back(devnet: DevNet) -> None:
    consumer = devnet.consumer
    consumer.buy_exact_credits(100 * CREDIT)
    supply_before = int(devnet.protocol.contracts.credit.read("totalSupply"))
    redemption = consumer.redeem(40 * CREDIT)
    assert redemption.reserve_out == 40 * CREDIT * 10**15 // CREDIT
    assert int(devnet.protocol.contracts.credit.read("totalSupply")) == supply_before - 40 * CREDIT
    assert consumer.balance().credits == 60 * CREDIT


@pytest.mark.parametrize("use_permit", [True, False])
def test_open_locks_the_budget_then_cancel_and_claim_return_it(
    devnet: DevNet, use_permit: bool
) -> None:
    consumer, provider = devnet.consumer, devnet.provider
    consumer.buy_exact_credits(100 * CREDIT)
    terms = consumer.new_terms(
        provider=provider.address, budget=30 * CREDIT, price_per_unit=CREDIT, spec=SPEC
    )
    opened = consumer.open_job(terms, use_permit=use_permit)
    assert opened.job_id == job_id(terms)
    assert consumer.status(opened.job_id).status == JobStatus.OPEN
    assert consumer.balance().credits == 70 * CREDIT
    # The terms come back from the JobOpened log given only the id.
    assert devnet.protocol.terms("0x" + opened.job_id.hex()) == terms

    consumer.cancel(opened.job_id)
    assert consumer.status(opened.job_id).status_name == "Refunded"
    assert consumer.balance().claimable == 30 * CREDIT
    claimed, _ = consumer.claim()
    assert claimed == 30 * CREDIT
    assert consumer.balance().credits == 100 * CREDIT


def test_refund_is_refused_before_the_accept_deadline_and_paid_after(devnet: DevNet) -> None:
    consumer = devnet.consumer
    consumer.buy_exact_credits(10 * CREDIT)
    terms = consumer.new_terms(
        provider=devnet.provider.address,
        budget=10 * CREDIT,
        price_per_unit=CREDIT,
        spec=SPEC,
        accept_within=600,
    )
    consumer.open_job(terms)
    with pytest.raises(TooEarly) as early:
        consumer.refund(terms)
    assert early.value.available_at == terms.accept_deadline + 1
    devnet.advance(601)
    consumer.refund(terms)
    assert consumer.status(terms).status == JobStatus.REFUNDED
    assert consumer.balance().claimable == 10 * CREDIT


def test_dispute_without_verdict_settles_by_receipt_and_bond_goes_to_provider(
    devnet: DevNet,
) -> None:
    consumer, provider = devnet.consumer, devnet.provider
    consumer.buy_exact_credits(22 * CREDIT)
    devnet.fund_and_stake(provider, 50 * CREDIT)
    terms = consumer.new_terms(
        provider=provider.address, budget=20 * CREDIT, price_per_unit=CREDIT, spec=SPEC
    )
    consumer.open_job(terms)
    accepted = provider.accept(terms)
    provider.submit_receipt(terms, result_hash=b"\x01" * 32, units=5)
    bond = consumer.dispute_bond(terms)
    assert bond == 2 * CREDIT  # 10 % of the budget
    consumer.dispute(terms)  # approves the bond itself
    assert consumer.status(terms).status_name == "Disputed"
    assert consumer.balance().credits == 0
    assert provider.provider_status().locked == accepted.collateral
    escrow = devnet.protocol.contracts.escrow
    window = int(escrow.read("verdictWindow"))
    devnet.advance(window)
    with pytest.raises(TooEarly):  # the committee still has the verdict window
        provider.finalize(terms)
    devnet.advance(1)
    with pytest.raises(WrongStatus):  # a dispute no longer ends in a refund
        consumer.refund(terms)
    provider.finalize(terms)  # nobody proved a fault: the receipt stands
    provider.pay_out([terms])
    assert consumer.status(terms).status == JobStatus.SETTLED
    pay = 5 * CREDIT
    assert consumer.balance().claimable == 15 * CREDIT
    assert (
        int(devnet.protocol.contracts.escrow.read("claimable", provider.address))
        == pay - pay * 150 // 10_000 + bond
    )
    status = provider.provider_status()
    assert (status.locked, status.free) == (0, 50 * CREDIT)


def test_open_accepted_is_one_transaction_and_settle_can_pay_out_at_once(
    devnet: DevNet,
) -> None:
    consumer, provider = devnet.consumer, devnet.provider
    consumer.buy_exact_credits(20 * CREDIT)
    devnet.fund_and_stake(provider, 50 * CREDIT)
    terms = consumer.new_terms(
        provider=provider.address, budget=20 * CREDIT, price_per_unit=CREDIT, spec=SPEC
    )
    acceptance = provider.sign_acceptance(terms)  # off chain, with the provider's quote
    onchain = bytes(devnet.protocol.contracts.escrow.read("acceptanceDigest", job_id(terms)))
    assert onchain == acceptance_digest(devnet.protocol.domain, job_id(terms))
    opened = consumer.open_accepted(terms, acceptance)
    assert consumer.status(terms).status_name == "Accepted"
    assert provider.provider_status().locked == 10 * CREDIT
    assert opened.job_id == job_id(terms)
    with pytest.raises(InvalidInput, match="not"):
        devnet.provider2.sign_acceptance(terms)  # only the named provider accepts
    op = devnet.oracles[0]
    verdict = op.verdict(terms, outcome=1, units=20, result_hash=b"\x02" * 32)
    combined = op.combine_verdict(verdict, [o.sign_verdict(verdict) for o in devnet.oracles])
    result = op.settle(terms, verdict, combined, pay_out=True)
    assert result.settled == (job_id(terms),)
    assert consumer.status(terms).paid_out
    assert provider.provider_status().locked == 0
    assert (
        int(devnet.protocol.contracts.escrow.read("claimable", provider.address))
        == 20 * CREDIT - 20 * CREDIT * 150 // 10_000
    )


def test_new_terms_refuses_more_units_than_uint64(devnet: DevNet) -> None:
    with pytest.raises(InvalidInput, match="does not fit uint64"):
        devnet.consumer.new_terms(
            provider=devnet.provider.address, budget=2**64, price_per_unit=1, spec=SPEC
        )
