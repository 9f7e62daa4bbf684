"""Verdict box: k of n oracle keys publish; the NFT, script and epoch order are kept."""

from __future__ import annotations

import pytest
from conftest import Parties, World, with_output
from ergo_lib_python.chain import ErgoBoxCandidate

from protocol.ergo.verdict import ErgoVerdict
from protocol.typed_data import Outcome

pytestmark = pytest.mark.ergo


def test_two_of_three_oracles_publish_a_verdict(world: World) -> None:
    wanted = world.verdict(Outcome.FAULT, units=7, epoch=3)
    box = world.publish(wanted)
    assert ErgoVerdict.from_registers(box.additional_registers) == wanted
    assert box.ergo_tree == world.contracts.verdict.tree()
    assert bytes(box.tokens[0].token_id).hex() == world.contracts.params.verdict_nft


def test_one_oracle_alone_cannot_publish(world: World) -> None:
    plan = world.publish_plan(world.verdict(Outcome.RELEASE))
    world.reject(plan, [world.parties.oracles[0], world.parties.deployer])


def test_epoch_cannot_go_backwards(world: World) -> None:
    world.publish(world.verdict(Outcome.RELEASE, epoch=5))
    plan = world.publish_plan(world.verdict(Outcome.RELEASE, epoch=4))
    world.reject(plan, [*world.parties.oracles[1:], world.parties.deployer])


def test_publishing_cannot_move_the_nft_to_another_script(world: World) -> None:
    plan = world.publish_plan(world.verdict(Outcome.RELEASE))
    honest = plan.unsigned.output_candidates[0]
    moved = ErgoBoxCandidate(
        value=honest.value,
        script=Parties.tree(world.parties.oracles[0]),
        creation_height=honest.creation_height,
        tokens=honest.tokens,
        registers=world.verdict(Outcome.RELEASE).registers(),
    )
    world.reject(with_output(plan, 0, moved), [*world.parties.oracles, world.parties.deployer])
