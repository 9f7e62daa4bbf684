"""Tokens cannot appear from nothing: sigma-rust's signer does not check it, validate_tx does."""

from __future__ import annotations

import pytest
from conftest import Parties, World
from ergo_lib_python.chain import ErgoBoxCandidate, Token, TokenId
from ergo_lib_python.ergo_tree import ErgoTree
from ergo_lib_python.transaction import UnsignedInput, UnsignedTransaction
from ergo_wasm_validator import tx_json, validate_cases, validation_case

from protocol.ergo.escrow_tx import release_escrow
from protocol.ergo.signer import sign_plan
from protocol.ergo.tx_plan import FEE, FEE_TREE_HEX, TxPlan
from protocol.typed_data import Outcome

pytestmark = pytest.mark.ergo


def test_inventing_gpuc_is_rejected_by_validate_tx(world: World) -> None:
    owner = world.parties.consumer
    holding = world.buy_gpuc(owner, 100)
    wallet = world.wallet(owner)
    gpuc = TokenId(world.contracts.params.gpuc_id)
    height = world.ledger.height
    outputs = [
        ErgoBoxCandidate(
            value=holding.value + wallet.value - FEE,
            script=Parties.tree(owner),
            creation_height=height,
            tokens=[Token(gpuc, 1_000_000)],  # 100 in, a million out
        ),
        ErgoBoxCandidate(
            value=FEE,
            script=ErgoTree.from_bytes(bytes.fromhex(FEE_TREE_HEX)),
            creation_height=height,
        ),
    ]
    plan = TxPlan(
        unsigned=UnsignedTransaction(
            [UnsignedInput(holding.box_id), UnsignedInput(wallet.box_id)], [], outputs
        ),
        boxes_to_spend=(holding, wallet),
        data_boxes=(),
    )
    tip = world.ledger.tip
    tx = sign_plan(plan, tip, [owner])  # the owner's signature is all the script asks for
    (verdict,) = validate_cases([validation_case(tx_json(tx), plan, tip)])
    assert not verdict.valid
    assert verdict.error is not None and "token" in verdict.error.lower()


def test_every_settlement_conserves_gpuc(world: World) -> None:
    escrow = world.open_job(budget=1_000)
    verdict = world.publish(world.verdict(Outcome.RELEASE, units=40))
    world.accept(release_escrow(world.contracts, escrow, verdict, height=world.ledger.height))
    gpuc_id = world.contracts.params.gpuc_id
    total = sum(
        t.amount
        for box in world.ledger.unspent()
        for t in box.tokens
        if bytes(t.token_id).hex() == gpuc_id
    )
    assert total == 10**15  # the whole supply, wherever it sits
