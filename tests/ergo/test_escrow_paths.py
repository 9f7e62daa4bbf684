"""Job escrow box: release on a release verdict, refund after the timeout, one escrow per tx."""

from __future__ import annotations

import pytest
from conftest import Parties, World, with_output
from ergo_lib_python.chain import ErgoBoxCandidate, Token, TokenId

from protocol.ergo.errors import TxBuildError
from protocol.ergo.escrow_terms import EscrowTerms
from protocol.ergo.escrow_tx import refund_escrow, release_escrow
from protocol.ergo.tx_plan import assemble, token_amount
from protocol.typed_data import Outcome

pytestmark = pytest.mark.ergo


def _gpuc(world: World, tokens: list[Token]) -> int:
    return token_amount(tokens, world.contracts.params.gpuc_id)


def test_release_pays_units_times_price_and_returns_the_rest(world: World) -> None:
    escrow = world.open_job(budget=1_000)
    verdict = world.publish(world.verdict(Outcome.RELEASE, units=40))
    plan = release_escrow(world.contracts, escrow, verdict, height=world.ledger.height)
    provider, consumer, _fee = world.accept(plan)
    assert provider.ergo_tree == Parties.tree(world.parties.provider)
    assert _gpuc(world, provider.tokens) == 40 * 10
    assert consumer.ergo_tree == Parties.tree(world.parties.consumer)
    assert _gpuc(world, consumer.tokens) == 1_000 - 400


def test_release_of_the_whole_budget_leaves_the_consumer_no_gpuc(world: World) -> None:
    escrow = world.open_job(budget=1_000)
    verdict = world.publish(world.verdict(Outcome.RELEASE, units=100))
    provider, consumer, _fee = world.accept(
        release_escrow(world.contracts, escrow, verdict, height=world.ledger.height)
    )
    assert _gpuc(world, provider.tokens) == 1_000
    assert consumer.tokens == []


@pytest.mark.parametrize("paid_units", [39, 41])
def test_release_with_wrong_units_is_rejected(world: World, paid_units: int) -> None:
    escrow = world.open_job(budget=1_000)
    verdict = world.publish(world.verdict(Outcome.RELEASE, units=40))
    plan = release_escrow(world.contracts, escrow, verdict, height=world.ledger.height)
    gpuc = TokenId(world.contracts.params.gpuc_id)
    provider, consumer = plan.unsigned.output_candidates[:2]
    wrong_provider = ErgoBoxCandidate(
        value=provider.value,
        script=provider.ergo_tree,
        creation_height=provider.creation_height,
        tokens=[Token(gpuc, paid_units * 10)],
    )
    wrong_consumer = ErgoBoxCandidate(
        value=consumer.value,
        script=consumer.ergo_tree,
        creation_height=consumer.creation_height,
        tokens=[Token(gpuc, 1_000 - paid_units * 10)],
    )
    world.reject(with_output(with_output(plan, 0, wrong_provider), 1, wrong_consumer))


def test_release_beyond_the_budget_is_refused_before_signing(world: World) -> None:
    escrow = world.open_job(budget=1_000)
    verdict = world.publish(world.verdict(Outcome.RELEASE, units=101))
    with pytest.raises(TxBuildError, match="budget is 1000"):
        release_escrow(world.contracts, escrow, verdict, height=world.ledger.height)


def test_release_on_a_fault_verdict_is_rejected(world: World) -> None:
    escrow = world.open_job()
    verdict = world.publish(world.verdict(Outcome.FAULT, units=40))
    world.reject(release_escrow(world.contracts, escrow, verdict, height=world.ledger.height))


def test_release_on_another_jobs_verdict_is_rejected(world: World) -> None:
    escrow = world.open_job()
    verdict = world.publish(world.verdict(Outcome.RELEASE, job="0x" + "22" * 32))
    world.reject(release_escrow(world.contracts, escrow, verdict, height=world.ledger.height))


@pytest.mark.parametrize(("blocks_past_timeout", "accepted"), [(-1, False), (0, False), (1, True)])
def test_refund_only_strictly_after_the_timeout(
    world: World, blocks_past_timeout: int, accepted: bool
) -> None:
    escrow = world.open_job(budget=1_000)
    timeout = EscrowTerms.from_box(escrow).timeout_height
    world.ledger.advance(timeout + blocks_past_timeout - world.ledger.height)
    plan = refund_escrow(world.contracts, escrow, height=world.ledger.height)
    if accepted:
        consumer, _fee = world.accept(plan)  # anyone may submit it: no key signs
        assert consumer.ergo_tree == Parties.tree(world.parties.consumer)
        assert _gpuc(world, consumer.tokens) == 1_000
    else:
        world.reject(plan)


def test_refund_to_anyone_but_the_consumer_is_rejected(world: World) -> None:
    escrow = world.open_job()
    world.ledger.advance(100)
    plan = refund_escrow(world.contracts, escrow, height=world.ledger.height)
    honest = plan.unsigned.output_candidates[0]
    thief = ErgoBoxCandidate(
        value=honest.value,
        script=Parties.tree(world.parties.stranger),
        creation_height=honest.creation_height,
        tokens=honest.tokens,
    )
    world.reject(with_output(plan, 0, thief), [world.parties.stranger])


def test_two_escrows_cannot_share_one_refund_output(world: World) -> None:
    """Double satisfaction: both escrows would accept the same consumer output."""
    first = world.open_job(budget=500)
    second = world.open_job(budget=500)
    world.ledger.advance(100)
    consumer = world.parties.consumer
    height = world.ledger.height
    plan = assemble(
        [first, second],
        [
            ErgoBoxCandidate(
                value=first.value,
                script=Parties.tree(consumer),
                creation_height=height,
                tokens=[Token(TokenId(world.contracts.params.gpuc_id), 500)],
            ),
        ],
        height=height,
        change_tree=Parties.tree(world.parties.stranger),  # the second budget
    )
    world.reject(plan)
