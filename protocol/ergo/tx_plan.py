"""An unsigned transaction with the boxes it spends and reads, and how one is balanced."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ergo_lib_python.chain import (
    Address,
    EcPoint,
    ErgoBox,
    ErgoBoxCandidate,
    Token,
    TokenId,
)
from ergo_lib_python.ergo_tree import ErgoTree
from ergo_lib_python.sigma_protocol import ProveDlog
from ergo_lib_python.transaction import DataInput, UnsignedInput, UnsignedTransaction

from protocol.ergo.errors import TxBuildError

__all__ = [
    "FEE",
    "FEE_TREE_HEX",
    "MIN_BOX_VALUE",
    "TxPlan",
    "assemble",
    "p2pk_tree",
    "token_amount",
]

FEE = 1_100_000
MIN_BOX_VALUE = 1_000_000
# The standard miner-fee proposition (ergo-appkit ErgoScriptPredef.feeProposition(720)).
FEE_TREE_HEX = (
    "1005040004000e36100204a00b08cd0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2"
    "815b16f81798ea02d192a39a8cc7a701730073011001020402d19683030193a38cc7b2a57300000193c2"
    "b2a57301007473027303830108cdeeac93b1a57304"
)


@dataclass(frozen=True)
class TxPlan:
    """What a signer needs: the unsigned tx, the boxes it spends, the boxes it reads."""

    unsigned: UnsignedTransaction
    boxes_to_spend: tuple[ErgoBox, ...]
    data_boxes: tuple[ErgoBox, ...]


def p2pk_tree(public_key_hex: str) -> ErgoTree:
    return Address.p2pk(ProveDlog(EcPoint(bytes.fromhex(public_key_hex)))).ergo_tree()


def token_amount(tokens: Sequence[Token], token_id: str) -> int:
    return sum(t.amount for t in tokens if bytes(t.token_id).hex() == token_id)


def _token_totals(token_lists: Sequence[Sequence[Token]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for tokens in token_lists:
        for token in tokens:
            key = bytes(token.token_id).hex()
            totals[key] = totals.get(key, 0) + token.amount
    return totals


def assemble(
    inputs: Sequence[ErgoBox],
    outputs: Sequence[ErgoBoxCandidate],
    *,
    height: int,
    change_tree: ErgoTree | None = None,
    data_boxes: Sequence[ErgoBox] = (),
    fee: int = FEE,
) -> TxPlan:
    """Spend ``inputs`` into ``outputs`` plus the miner fee and a change box for leftovers.

    Leftover ERG below the minimum box value is added to the fee; leftover tokens need a
    change box. A token may appear from nowhere only if its id is the first input's box id
    (Ergo's rule for minting).
    """
    if not inputs:
        raise TxBuildError("a transaction needs at least one input box")
    erg_left = sum(b.value for b in inputs) - sum(o.value for o in outputs) - fee
    if erg_left < 0:
        raise TxBuildError(f"inputs are {-erg_left} nanoERG short of outputs plus fee; add funding")
    minted_id = bytes(inputs[0].box_id).hex()
    tokens_in = _token_totals([b.tokens for b in inputs])
    tokens_out = _token_totals([o.tokens for o in outputs])
    for token_id, amount in tokens_out.items():
        if amount > tokens_in.get(token_id, 0) and token_id != minted_id:
            raise TxBuildError(
                f"outputs hold {amount} of token {token_id} but inputs only "
                f"{tokens_in.get(token_id, 0)}; add funding boxes that carry it"
            )
    leftover = [
        Token(TokenId(token_id), amount - tokens_out.get(token_id, 0))
        for token_id, amount in tokens_in.items()
        if amount > tokens_out.get(token_id, 0)
    ]
    candidates = list(outputs)
    if leftover or erg_left >= MIN_BOX_VALUE:
        if change_tree is None:
            raise TxBuildError("leftover ERG or tokens need a change address; pass change_tree")
        if erg_left < MIN_BOX_VALUE:
            raise TxBuildError(
                f"leftover tokens need a change box of {MIN_BOX_VALUE} nanoERG; only "
                f"{erg_left} are left; add funding"
            )
        candidates.append(
            ErgoBoxCandidate(
                value=erg_left, script=change_tree, creation_height=height, tokens=leftover
            )
        )
        erg_left = 0
    fee_tree = ErgoTree.from_bytes(bytes.fromhex(FEE_TREE_HEX))
    candidates.append(
        ErgoBoxCandidate(value=fee + erg_left, script=fee_tree, creation_height=height)
    )
    unsigned = UnsignedTransaction(
        [UnsignedInput(b.box_id) for b in inputs],
        [DataInput(b.box_id) for b in data_boxes],
        candidates,
    )
    return TxPlan(unsigned=unsigned, boxes_to_spend=tuple(inputs), data_boxes=tuple(data_boxes))
