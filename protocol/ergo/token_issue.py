"""Issue a token (EIP-4 metadata: R4 name, R5 description, R6 decimals) and fund plain outputs."""

from __future__ import annotations

from collections.abc import Sequence

from ergo_lib_python.chain import BoxId, ErgoBox, ErgoBoxCandidate, Token, TokenId
from ergo_lib_python.ergo_tree import ErgoTree

from protocol.ergo.errors import TxBuildError
from protocol.ergo.tx_plan import MIN_BOX_VALUE, TxPlan, assemble

__all__ = ["fund_outputs", "issue_token", "issued_token_id"]


def issued_token_id(first_input: ErgoBox | BoxId) -> str:
    """A token issued by a transaction takes the id of that transaction's first input."""
    box_id = first_input.box_id if isinstance(first_input, ErgoBox) else first_input
    return bytes(TokenId.from_box_id(box_id)).hex()


def issue_token(
    funding: Sequence[ErgoBox],
    *,
    receiver: ErgoTree,
    amount: int,
    name: str,
    description: str,
    decimals: int,
    height: int,
    change_tree: ErgoTree,
) -> TxPlan:
    """Mint ``amount`` of a new token (an NFT when amount is 1) into a box for ``receiver``."""
    if amount <= 0:
        raise TxBuildError(f"token amount must be positive, got {amount}")
    if not funding:
        raise TxBuildError("issuing a token needs a funding box; its id becomes the token id")
    token = Token(TokenId(issued_token_id(funding[0])), amount)
    issuance = ErgoBoxCandidate(
        value=MIN_BOX_VALUE,
        script=receiver,
        creation_height=height,
        mint_token=token,
        mint_token_name=name,
        mint_token_desc=description,
        mint_token_decimals=decimals,
    )
    return assemble(funding, [issuance], height=height, change_tree=change_tree)


def fund_outputs(
    funding: Sequence[ErgoBox],
    outputs: Sequence[ErgoBoxCandidate],
    *,
    height: int,
    change_tree: ErgoTree,
) -> TxPlan:
    """Create ``outputs`` (a bank, escrow, collateral or verdict box) from wallet boxes."""
    return assemble(funding, outputs, height=height, change_tree=change_tree)
