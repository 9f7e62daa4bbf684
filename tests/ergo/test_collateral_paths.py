"""Collateral box: withdraw by the provider after the unlock height; slash on a fault verdict."""

from __future__ import annotations

import pytest
from conftest import Parties, World, with_data_boxes, with_output, without_data_inputs
from ergo_lib_python.chain import (
    Constant,
    ErgoBox,
    ErgoBoxCandidate,
    NonMandatoryRegisterId,
    Token,
    TokenId,
)

from protocol.ergo.collateral_terms import CollateralTerms
from protocol.ergo.collateral_tx import withdraw_collateral
from protocol.ergo.escrow_tx import slash_for_fault
from protocol.ergo.register_codec import registers_of
from protocol.ergo.token_issue import fund_outputs
from protocol.ergo.tx_plan import token_amount
from protocol.typed_data import Outcome

pytestmark = pytest.mark.ergo


def _gpuc(world: World, box_tokens: list[Token]) -> int:
    return token_amount(box_tokens, world.contracts.params.gpuc_id)


@pytest.mark.parametrize(("blocks_past_unlock", "accepted"), [(-1, False), (0, False), (1, True)])
def test_withdraw_only_strictly_after_unlock_height(
    world: World, blocks_past_unlock: int, accepted: bool
) -> None:
    collateral = world.lock(unlock_in=10)
    unlock = CollateralTerms.from_box(collateral).unlock_height
    world.ledger.advance(unlock + blocks_past_unlock - world.ledger.height)
    assert world.ledger.height == unlock + blocks_past_unlock
    plan = withdraw_collateral(collateral, height=world.ledger.height)
    if accepted:
        (back, *_) = world.accept(plan, [world.parties.provider])
        assert back.ergo_tree == Parties.tree(world.parties.provider)
        assert _gpuc(world, back.tokens) == 2_000
    else:
        world.reject(plan, [world.parties.provider])


def test_withdraw_after_unlock_needs_the_provider_key(world: World) -> None:
    collateral = world.lock(unlock_in=1)
    world.ledger.advance(5)
    world.reject(
        withdraw_collateral(collateral, height=world.ledger.height), [world.parties.stranger]
    )


def _fault_setup(
    world: World, stake: int = 2_000, slash_amount: int = 500
) -> tuple[ErgoBox, ErgoBox, ErgoBox]:
    escrow = world.open_job(budget=1_000)
    collateral = world.lock(stake=stake, slash_amount=slash_amount)
    verdict = world.publish(world.verdict(Outcome.FAULT))
    return escrow, collateral, verdict


def test_slash_with_fault_verdict_pays_consumer_first_then_treasury(world: World) -> None:
    escrow, collateral, verdict = _fault_setup(world)
    plan = slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    consumer, remainder, treasury, _fee = world.accept(plan)
    assert consumer.ergo_tree == Parties.tree(world.parties.consumer)
    assert _gpuc(world, consumer.tokens) == 1_000 + 200  # budget back + compensation
    assert remainder.ergo_tree == world.contracts.collateral.tree()
    assert _gpuc(world, remainder.tokens) == 2_000 - 500
    assert CollateralTerms.from_box(remainder) == CollateralTerms.from_box(collateral)
    assert treasury.ergo_tree == Parties.tree(world.parties.treasury)
    assert _gpuc(world, treasury.tokens) == 500 - 200


def test_slash_larger_than_stake_takes_all_and_returns_the_erg(world: World) -> None:
    escrow, collateral, verdict = _fault_setup(world, stake=300, slash_amount=500)
    plan = slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    consumer, provider_erg, treasury, _fee = world.accept(plan)
    assert _gpuc(world, consumer.tokens) == 1_000 + 200
    assert _gpuc(world, treasury.tokens) == 300 - 200
    assert provider_erg.tokens == []
    assert provider_erg.value == collateral.value


def test_slash_without_verdict_data_input_is_rejected(world: World) -> None:
    escrow, collateral, verdict = _fault_setup(world)
    plan = slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    world.reject(without_data_inputs(plan))


def test_slash_on_release_verdict_is_rejected(world: World) -> None:
    escrow = world.open_job()
    collateral = world.lock()
    verdict = world.publish(world.verdict(Outcome.RELEASE))
    world.reject(
        slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    )


def test_slash_with_verdict_for_another_job_is_rejected(world: World) -> None:
    escrow = world.open_job()
    collateral = world.lock()
    verdict = world.publish(world.verdict(Outcome.FAULT, job="0x" + "11" * 32))
    world.reject(
        slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    )


def test_slash_with_counterfeit_verdict_box_is_rejected(world: World) -> None:
    escrow, collateral, verdict = _fault_setup(world)
    # Same registers, but the box carries a token anyone could mint instead of the NFT.
    forger = world.parties.stranger
    fake_id = bytes(world.wallet(forger).box_id).hex()
    fake = world.ledger.genesis_box(Parties.tree(forger), 10**9, [Token(TokenId(fake_id), 1)])
    fake_verdict = world.accept(
        fund_outputs(
            [fake],
            [
                ErgoBoxCandidate(
                    value=1_000_000,
                    script=Parties.tree(forger),
                    creation_height=world.ledger.height,
                    tokens=[Token(TokenId(fake_id), 1)],
                    registers=world.verdict(Outcome.FAULT).registers(),
                )
            ],
            height=world.ledger.height,
            change_tree=Parties.tree(forger),
        ),
        [forger],
    )[0]
    plan = slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    world.reject(with_data_boxes(plan, [fake_verdict]))


def test_slash_that_redirects_the_compensation_is_rejected(world: World) -> None:
    escrow, collateral, verdict = _fault_setup(world)
    plan = slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    honest = plan.unsigned.output_candidates[0]
    thief = ErgoBoxCandidate(
        value=honest.value,
        script=Parties.tree(world.parties.stranger),
        creation_height=honest.creation_height,
        tokens=honest.tokens,
    )
    world.reject(with_output(plan, 0, thief))


def test_slash_that_redirects_the_treasury_share_is_rejected(world: World) -> None:
    escrow, collateral, verdict = _fault_setup(world)
    plan = slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    honest = plan.unsigned.output_candidates[2]
    thief = ErgoBoxCandidate(
        value=honest.value,
        script=Parties.tree(world.parties.provider),
        creation_height=honest.creation_height,
        tokens=honest.tokens,
    )
    world.reject(with_output(plan, 2, thief))


def test_slash_whose_remainder_changes_the_script_is_rejected(world: World) -> None:
    escrow, collateral, verdict = _fault_setup(world)
    plan = slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    honest = plan.unsigned.output_candidates[1]
    escaped = ErgoBoxCandidate(
        value=honest.value,
        script=Parties.tree(world.parties.provider),
        creation_height=honest.creation_height,
        tokens=honest.tokens,
        registers=registers_of(honest.additional_registers),
    )
    world.reject(with_output(plan, 1, escaped))


@pytest.mark.parametrize(
    ("register", "value"),
    [
        (NonMandatoryRegisterId.R5, Constant.from_i64(1)),  # smaller future slashes
        (NonMandatoryRegisterId.R6, Constant.from_i32(1)),  # unlocks at once
    ],
)
def test_slash_whose_remainder_changes_registers_is_rejected(
    world: World, register: NonMandatoryRegisterId, value: Constant
) -> None:
    escrow, collateral, verdict = _fault_setup(world)
    plan = slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    honest = plan.unsigned.output_candidates[1]
    registers = registers_of(honest.additional_registers)
    registers[register] = value
    changed = ErgoBoxCandidate(
        value=honest.value,
        script=honest.ergo_tree,
        creation_height=honest.creation_height,
        tokens=honest.tokens,
        registers=registers,
    )
    world.reject(with_output(plan, 1, changed))


def test_slash_of_another_providers_collateral_is_rejected(world: World) -> None:
    escrow = world.open_job(provider_key=Parties.pk(world.parties.stranger))
    collateral = world.lock()  # the provider's, not the stranger's named in the escrow
    verdict = world.publish(world.verdict(Outcome.FAULT))
    world.reject(
        slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    )
