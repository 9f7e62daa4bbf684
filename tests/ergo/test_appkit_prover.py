"""appkit 5's prover judges the same spends as sigma-rust; wasm validate_tx accepts its output."""

from __future__ import annotations

import pytest
from conftest import World
from ergo_wasm_validator import tx_json, validate_cases, validation_case

from protocol.ergo.appkit_prover import AppkitProver
from protocol.ergo.errors import SpendRejectedError
from protocol.ergo.escrow_terms import EscrowTerms
from protocol.ergo.escrow_tx import refund_escrow, slash_for_fault
from protocol.typed_data import Outcome

pytestmark = pytest.mark.ergo


def test_appkit_proves_a_slash_that_validate_tx_accepts(world: World) -> None:
    escrow = world.open_job()
    collateral = world.lock()
    verdict = world.publish(world.verdict(Outcome.FAULT))
    plan = slash_for_fault(world.contracts, escrow, collateral, verdict, height=world.ledger.height)
    tip = world.ledger.tip
    tx = AppkitProver(tip).sign(plan)
    (result,) = validate_cases([validation_case(tx_json(tx), plan, tip)])
    assert result.valid, result.error
    assert [o.value for o in tx.outputs][:3] == [
        o.value for o in plan.unsigned.output_candidates[:3]
    ]


def test_appkit_refuses_a_refund_before_the_timeout(world: World) -> None:
    escrow = world.open_job()
    plan = refund_escrow(world.contracts, escrow, height=world.ledger.height)
    with pytest.raises(SpendRejectedError, match="appkit"):
        AppkitProver(world.ledger.tip).sign(plan)


@pytest.mark.parametrize(("blocks_past_timeout", "accepted"), [(0, False), (1, True)])
def test_appkit_sees_the_same_height_as_sigma_rust_at_the_timeout(
    world: World, blocks_past_timeout: int, accepted: bool
) -> None:
    # The refund opens at HEIGHT > timeout; both provers must draw the line at the same block.
    escrow = world.open_job()
    timeout = EscrowTerms.from_box(escrow).timeout_height
    world.ledger.advance(timeout + blocks_past_timeout - world.ledger.height)
    plan = refund_escrow(world.contracts, escrow, height=world.ledger.height)
    prover = AppkitProver(world.ledger.tip)
    if accepted:
        tx = prover.sign(plan)
        (result,) = validate_cases([validation_case(tx_json(tx), plan, world.ledger.tip)])
        assert result.valid, result.error
    else:
        with pytest.raises(SpendRejectedError, match="appkit"):
            prover.sign(plan)
