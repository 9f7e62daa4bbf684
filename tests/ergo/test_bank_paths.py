"""GPUC bank box: mint and redeem at the rate; the reserve always covers the circulation."""

from __future__ import annotations

import pytest
from conftest import RATE, SUPPLY, Parties, World, with_output
from ergo_lib_python.chain import ErgoBoxCandidate, Token

from protocol.ergo.bank_state import BankState
from protocol.ergo.bank_tx import exchange_at_bank
from protocol.ergo.errors import TxBuildError
from protocol.ergo.tx_plan import TxPlan, token_amount

pytestmark = pytest.mark.ergo


def _reserve_covers(world: World) -> None:
    bank = world.bank_box
    state = BankState.from_box(bank)
    assert bank.value >= state.circulating * state.rate
    assert token_amount(bank.tokens, world.contracts.params.gpuc_id) + state.circulating == SUPPLY


def test_mint_at_the_rate_moves_circulation_and_reserve(world: World) -> None:
    before = world.bank_box
    bought = world.buy_gpuc(world.parties.consumer, 5_000)
    after = world.bank_box
    assert token_amount(bought.tokens, world.contracts.params.gpuc_id) == 5_000
    assert after.value - before.value == 5_000 * RATE
    assert BankState.from_box(after).circulating == 5_000
    assert after.tokens[0].token_id == before.tokens[0].token_id  # the bank NFT stays
    _reserve_covers(world)


def test_redeem_at_the_rate_pays_erg_and_burns_circulation(world: World) -> None:
    provider = world.parties.provider
    gpuc = world.buy_gpuc(provider, 3_000)
    plan = exchange_at_bank(
        world.contracts,
        world.bank_box,
        minted=-1_000,
        funding=[gpuc, world.wallet(provider)],
        receiver=Parties.tree(provider),
        height=world.ledger.height,
        change_tree=Parties.tree(provider),
    )
    bank, paid, change, _fee = world.accept(plan, [provider])
    world.bank_box_id = str(bank.box_id)
    assert paid.value == 1_000 * RATE
    assert token_amount(change.tokens, world.contracts.params.gpuc_id) == 2_000
    assert BankState.from_box(bank).circulating == 2_000
    _reserve_covers(world)


def _mint_plan(world: World, amount: int = 5_000) -> TxPlan:
    buyer = world.parties.consumer
    return exchange_at_bank(
        world.contracts,
        world.bank_box,
        minted=amount,
        funding=[world.wallet(buyer)],
        receiver=Parties.tree(buyer),
        height=world.ledger.height,
        change_tree=Parties.tree(buyer),
    )


def test_mint_that_underpays_the_rate_is_rejected(world: World) -> None:
    plan = _mint_plan(world)
    bank = plan.unsigned.output_candidates[0]
    change = plan.unsigned.output_candidates[2]
    cheap = ErgoBoxCandidate(
        value=bank.value - 1,
        script=bank.ergo_tree,
        creation_height=bank.creation_height,
        tokens=bank.tokens,
        registers=BankState(circulating=5_000, rate=RATE).registers(),
    )
    richer_change = ErgoBoxCandidate(
        value=change.value + 1,
        script=change.ergo_tree,
        creation_height=change.creation_height,
        tokens=change.tokens,
    )
    world.reject(
        with_output(with_output(plan, 0, cheap), 2, richer_change), [world.parties.consumer]
    )


def test_mint_that_under_reports_circulation_is_rejected(world: World) -> None:
    plan = _mint_plan(world)
    bank = plan.unsigned.output_candidates[0]
    hidden = ErgoBoxCandidate(
        value=bank.value,
        script=bank.ergo_tree,
        creation_height=bank.creation_height,
        tokens=bank.tokens,
        registers=BankState(circulating=4_999, rate=RATE).registers(),
    )
    world.reject(with_output(plan, 0, hidden), [world.parties.consumer])


def test_mint_that_changes_the_rate_is_rejected(world: World) -> None:
    plan = _mint_plan(world)
    bank = plan.unsigned.output_candidates[0]
    repriced = ErgoBoxCandidate(
        value=bank.value,
        script=bank.ergo_tree,
        creation_height=bank.creation_height,
        tokens=bank.tokens,
        registers=BankState(circulating=5_000, rate=RATE - 1).registers(),
    )
    world.reject(with_output(plan, 0, repriced), [world.parties.consumer])


def test_mint_that_moves_the_bank_nft_away_is_rejected(world: World) -> None:
    plan = _mint_plan(world)
    bank = plan.unsigned.output_candidates[0]
    stolen = ErgoBoxCandidate(
        value=bank.value,
        script=Parties.tree(world.parties.stranger),
        creation_height=bank.creation_height,
        tokens=bank.tokens,
        registers=BankState(circulating=5_000, rate=RATE).registers(),
    )
    world.reject(with_output(plan, 0, stolen), [world.parties.consumer])


def test_redeeming_more_than_circulates_is_refused(world: World) -> None:
    world.buy_gpuc(world.parties.provider, 100)
    with pytest.raises(TxBuildError, match="only 100 are in circulation"):
        exchange_at_bank(
            world.contracts,
            world.bank_box,
            minted=-101,
            funding=[world.wallet(world.parties.provider)],
            receiver=Parties.tree(world.parties.provider),
            height=world.ledger.height,
            change_tree=Parties.tree(world.parties.provider),
        )


def test_redeem_that_takes_erg_without_returning_gpuc_is_rejected(world: World) -> None:
    """The bank pays out ERG for 1000 GPUC, but the GPUC goes to the redeemer's change."""
    provider = world.parties.provider
    gpuc = world.buy_gpuc(provider, 3_000)
    plan = exchange_at_bank(
        world.contracts,
        world.bank_box,
        minted=-1_000,
        funding=[gpuc, world.wallet(provider)],
        receiver=Parties.tree(provider),
        height=world.ledger.height,
        change_tree=Parties.tree(provider),
    )
    bank, _paid, change = plan.unsigned.output_candidates[:3]
    gpuc_id = world.contracts.params.gpuc_id
    unreturned = ErgoBoxCandidate(
        value=bank.value,
        script=bank.ergo_tree,
        creation_height=bank.creation_height,
        tokens=[bank.tokens[0], Token(bank.tokens[1].token_id, bank.tokens[1].amount - 1_000)],
        registers=BankState(circulating=2_000, rate=RATE).registers(),
    )
    keeps_all = ErgoBoxCandidate(
        value=change.value,
        script=change.ergo_tree,
        creation_height=change.creation_height,
        tokens=[Token(change.tokens[0].token_id, token_amount(change.tokens, gpuc_id) + 1_000)],
    )
    world.reject(with_output(with_output(plan, 0, unreturned), 2, keeps_all), [provider])
