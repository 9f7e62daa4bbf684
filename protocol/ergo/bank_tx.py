"""Transactions on the GPUC bank box: create it, mint GPUC for ERG, redeem GPUC for ERG."""

from __future__ import annotations

from collections.abc import Sequence

from ergo_lib_python.chain import ErgoBox, ErgoBoxCandidate, Token, TokenId
from ergo_lib_python.ergo_tree import ErgoTree

from protocol.ergo.bank_state import BankState
from protocol.ergo.contracts import ErgoContracts
from protocol.ergo.errors import TxBuildError
from protocol.ergo.tx_plan import MIN_BOX_VALUE, TxPlan, assemble

__all__ = ["bank_box_candidate", "exchange_at_bank"]


def bank_box_candidate(
    contracts: ErgoContracts,
    *,
    bank_nft: str,
    reserve: int,
    state: BankState,
    value: int,
    height: int,
) -> ErgoBoxCandidate:
    """The bank box: NFT first, then the GPUC not in circulation (at least 1)."""
    if reserve < 1:
        raise TxBuildError("the bank must keep at least 1 GPUC; mint or redeem less")
    return ErgoBoxCandidate(
        value=value,
        script=contracts.bank.tree(),
        creation_height=height,
        tokens=[
            Token(TokenId(bank_nft), 1),
            Token(TokenId(contracts.params.gpuc_id), reserve),
        ],
        registers=state.registers(),
    )


def exchange_at_bank(
    contracts: ErgoContracts,
    bank_box: ErgoBox,
    *,
    minted: int,
    funding: Sequence[ErgoBox],
    receiver: ErgoTree,
    height: int,
    change_tree: ErgoTree,
) -> TxPlan:
    """Mint (``minted`` > 0, paid in ERG from ``funding``) or redeem (``minted`` < 0, the
    GPUC taken from ``funding``). ``receiver`` gets the GPUC, or the ERG on a redemption."""
    if minted == 0:
        raise TxBuildError("minted must be non-zero: positive to mint, negative to redeem")
    if len(bank_box.tokens) != 2:
        raise TxBuildError("the bank box must hold exactly the bank NFT and GPUC")
    state = BankState.from_box(bank_box)
    nft_id = bytes(bank_box.tokens[0].token_id).hex()
    bank = bank_box_candidate(
        contracts,
        bank_nft=nft_id,
        reserve=bank_box.tokens[1].amount - minted,
        state=state.after(minted),
        value=bank_box.value + state.erg_delta(minted),
        height=height,
    )
    if minted > 0:
        paid_out = ErgoBoxCandidate(
            value=MIN_BOX_VALUE,
            script=receiver,
            creation_height=height,
            tokens=[Token(TokenId(contracts.params.gpuc_id), minted)],
        )
    else:
        paid_out = ErgoBoxCandidate(
            value=-state.erg_delta(minted), script=receiver, creation_height=height
        )
    return assemble([bank_box, *funding], [bank, paid_out], height=height, change_tree=change_tree)
