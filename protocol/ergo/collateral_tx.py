"""Transactions on a provider collateral box: lock it and withdraw it after the unlock height.

Slashing spends it together with the escrow: see ``escrow_tx.slash_for_fault``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ergo_lib_python.chain import ErgoBox, ErgoBoxCandidate, Token, TokenId
from ergo_lib_python.ergo_tree import ErgoTree

from protocol.ergo.collateral_terms import CollateralTerms
from protocol.ergo.contracts import ErgoContracts
from protocol.ergo.errors import TxBuildError
from protocol.ergo.tx_plan import FEE, MIN_BOX_VALUE, TxPlan, assemble, p2pk_tree

__all__ = ["COLLATERAL_VALUE", "lock_collateral", "withdraw_collateral"]

COLLATERAL_VALUE = MIN_BOX_VALUE + FEE


def lock_collateral(
    contracts: ErgoContracts,
    terms: CollateralTerms,
    *,
    stake: int,
    funding: Sequence[ErgoBox],
    height: int,
    change_tree: ErgoTree,
) -> TxPlan:
    if stake <= 0:
        raise TxBuildError(f"stake must be positive, got {stake}")
    collateral = ErgoBoxCandidate(
        value=COLLATERAL_VALUE,
        script=contracts.collateral.tree(),
        creation_height=height,
        tokens=[Token(TokenId(contracts.params.gpuc_id), stake)],
        registers=terms.registers(),
    )
    return assemble(funding, [collateral], height=height, change_tree=change_tree)


def withdraw_collateral(collateral_box: ErgoBox, *, height: int) -> TxPlan:
    """Everything back to the provider's key; the provider signs (after the unlock height)."""
    terms = CollateralTerms.from_box(collateral_box)
    if collateral_box.value < COLLATERAL_VALUE:
        raise TxBuildError(
            f"the collateral box holds {collateral_box.value} nanoERG, needs {COLLATERAL_VALUE}"
        )
    back = ErgoBoxCandidate(
        value=collateral_box.value - FEE,
        script=p2pk_tree(terms.provider_key),
        creation_height=height,
        tokens=list(collateral_box.tokens),
    )
    return assemble([collateral_box], [back], height=height)
