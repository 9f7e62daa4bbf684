"""Transactions on a job escrow box: open, release, refund, and fault with a collateral slash.

Settlements pay their fee and minimum box values from the escrow box's own ERG
(``ESCROW_VALUE``), so anyone can submit them; the scripts decide who gets what.
"""

from __future__ import annotations

from collections.abc import Sequence

from ergo_lib_python.chain import ErgoBox, ErgoBoxCandidate, Token, TokenId
from ergo_lib_python.ergo_tree import ErgoTree

from protocol.ergo.collateral_terms import CollateralTerms
from protocol.ergo.contracts import ErgoContracts
from protocol.ergo.errors import TxBuildError
from protocol.ergo.escrow_terms import EscrowTerms
from protocol.ergo.tx_plan import FEE, MIN_BOX_VALUE, TxPlan, assemble, p2pk_tree, token_amount
from protocol.ergo.verdict import ErgoVerdict

__all__ = ["ESCROW_VALUE", "open_escrow", "refund_escrow", "release_escrow", "slash_for_fault"]

# Room for two paid-out boxes and the fee.
ESCROW_VALUE = 2 * MIN_BOX_VALUE + FEE


def _gpuc(contracts: ErgoContracts, amount: int) -> list[Token]:
    return [Token(TokenId(contracts.params.gpuc_id), amount)] if amount > 0 else []


def _budget(contracts: ErgoContracts, escrow_box: ErgoBox) -> int:
    budget = token_amount(escrow_box.tokens, contracts.params.gpuc_id)
    if budget <= 0 or bytes(escrow_box.tokens[0].token_id).hex() != contracts.params.gpuc_id:
        raise TxBuildError("the escrow box must hold its GPUC budget as its first token")
    if escrow_box.value < ESCROW_VALUE:
        raise TxBuildError(f"the escrow box holds {escrow_box.value} nanoERG, needs {ESCROW_VALUE}")
    return budget


def open_escrow(
    contracts: ErgoContracts,
    terms: EscrowTerms,
    *,
    budget: int,
    funding: Sequence[ErgoBox],
    height: int,
    change_tree: ErgoTree,
) -> TxPlan:
    if budget <= 0:
        raise TxBuildError(f"budget must be positive, got {budget}")
    escrow = ErgoBoxCandidate(
        value=ESCROW_VALUE,
        script=contracts.escrow.tree(),
        creation_height=height,
        tokens=_gpuc(contracts, budget),
        registers=terms.registers(),
    )
    return assemble(funding, [escrow], height=height, change_tree=change_tree)


def release_escrow(
    contracts: ErgoContracts, escrow_box: ErgoBox, verdict_box: ErgoBox, *, height: int
) -> TxPlan:
    """Pay units x price to the provider (output 0), the rest to the consumer (output 1)."""
    budget = _budget(contracts, escrow_box)
    terms = EscrowTerms.from_box(escrow_box)
    verdict = ErgoVerdict.from_registers(verdict_box.additional_registers)
    pay = verdict.units * terms.price_per_unit
    if pay > budget:
        raise TxBuildError(f"verdict pays {pay} GPUC but the budget is {budget}")
    to_provider = ErgoBoxCandidate(
        value=MIN_BOX_VALUE,
        script=p2pk_tree(terms.provider_key),
        creation_height=height,
        tokens=_gpuc(contracts, pay),
    )
    to_consumer = ErgoBoxCandidate(
        value=escrow_box.value - MIN_BOX_VALUE - FEE,
        script=p2pk_tree(terms.consumer_key),
        creation_height=height,
        tokens=_gpuc(contracts, budget - pay),
    )
    return assemble(
        [escrow_box], [to_provider, to_consumer], height=height, data_boxes=[verdict_box]
    )


def refund_escrow(contracts: ErgoContracts, escrow_box: ErgoBox, *, height: int) -> TxPlan:
    """Give the whole budget back to the consumer (valid strictly after the timeout)."""
    budget = _budget(contracts, escrow_box)
    terms = EscrowTerms.from_box(escrow_box)
    to_consumer = ErgoBoxCandidate(
        value=escrow_box.value - FEE,
        script=p2pk_tree(terms.consumer_key),
        creation_height=height,
        tokens=_gpuc(contracts, budget),
    )
    return assemble([escrow_box], [to_consumer], height=height)


def slash_for_fault(
    contracts: ErgoContracts,
    escrow_box: ErgoBox,
    collateral_box: ErgoBox,
    verdict_box: ErgoBox,
    *,
    height: int,
) -> TxPlan:
    """Fault: the consumer gets the budget plus compensation (output 0), the collateral
    remainder lives on (output 1), the treasury gets the rest of the slash (output 2)."""
    budget = _budget(contracts, escrow_box)
    escrow = EscrowTerms.from_box(escrow_box)
    collateral = CollateralTerms.from_box(collateral_box)
    staked = token_amount(collateral_box.tokens, contracts.params.gpuc_id)
    taken = min(collateral.slash_amount, staked)
    to_consumer = min(escrow.compensation, taken)
    to_treasury = taken - to_consumer
    treasury_value = MIN_BOX_VALUE if to_treasury > 0 else 0
    outputs = [
        ErgoBoxCandidate(
            value=escrow_box.value - FEE - treasury_value,
            script=p2pk_tree(escrow.consumer_key),
            creation_height=height,
            tokens=_gpuc(contracts, budget + to_consumer),
        )
    ]
    if staked > taken:
        outputs.append(
            ErgoBoxCandidate(
                value=collateral_box.value,
                script=contracts.collateral.tree(),
                creation_height=height,
                tokens=_gpuc(contracts, staked - taken),
                registers=collateral.registers(),
            )
        )
    else:  # nothing left to lock: the collateral's ERG goes back to the provider
        outputs.append(
            ErgoBoxCandidate(
                value=collateral_box.value,
                script=p2pk_tree(collateral.provider_key),
                creation_height=height,
            )
        )
    if to_treasury > 0:
        outputs.append(
            ErgoBoxCandidate(
                value=treasury_value,
                script=ErgoTree.from_bytes(bytes.fromhex(contracts.params.treasury_tree_hex)),
                creation_height=height,
                tokens=_gpuc(contracts, to_treasury),
            )
        )
    return assemble([escrow_box, collateral_box], outputs, height=height, data_boxes=[verdict_box])
