"""Publish a committee verdict by respending the verdict box with new registers."""

from __future__ import annotations

from collections.abc import Sequence

from ergo_lib_python.chain import ErgoBox, ErgoBoxCandidate, Token, TokenId
from ergo_lib_python.ergo_tree import ErgoTree

from protocol.ergo.contracts import ErgoContracts
from protocol.ergo.tx_plan import MIN_BOX_VALUE, TxPlan, assemble
from protocol.ergo.verdict import ErgoVerdict

__all__ = ["publish_verdict", "verdict_box_candidate"]


def verdict_box_candidate(
    contracts: ErgoContracts, verdict: ErgoVerdict, *, height: int, value: int = MIN_BOX_VALUE
) -> ErgoBoxCandidate:
    return ErgoBoxCandidate(
        value=value,
        script=contracts.verdict.tree(),
        creation_height=height,
        tokens=[Token(TokenId(contracts.params.verdict_nft), 1)],
        registers=verdict.registers(),
    )


def publish_verdict(
    contracts: ErgoContracts,
    verdict_box: ErgoBox,
    verdict: ErgoVerdict,
    *,
    funding: Sequence[ErgoBox],
    height: int,
    change_tree: ErgoTree,
) -> TxPlan:
    """k of n oracle keys sign this; ``funding`` pays the fee."""
    successor = verdict_box_candidate(contracts, verdict, height=height, value=verdict_box.value)
    return assemble([verdict_box, *funding], [successor], height=height, change_tree=change_tree)
