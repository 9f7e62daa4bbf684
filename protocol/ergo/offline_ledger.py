"""An in-memory UTXO set and height: the offline stand-in for an Ergo node's chain state.

It only tracks which boxes exist; whether a spend is valid is decided by the
interpreter when the transaction is signed (and by ``validate_tx`` in the tests).
"""

from __future__ import annotations

from collections.abc import Sequence

from ergo_lib_python.chain import ErgoBox, ErgoBoxCandidate, Token
from ergo_lib_python.ergo_tree import ErgoTree
from ergo_lib_python.transaction import Transaction, TxId

from protocol.ergo.chain_tip import HEADER_COUNT, ChainTip
from protocol.ergo.compiled_contract import blake2b256
from protocol.ergo.errors import TxBuildError

__all__ = ["OfflineLedger"]


class OfflineLedger:
    def __init__(self, next_height: int = 1_000) -> None:
        if next_height <= HEADER_COUNT:
            raise TxBuildError(f"next_height must exceed {HEADER_COUNT}, got {next_height}")
        self._next_height = next_height
        self._utxo: dict[str, ErgoBox] = {}
        self._genesis_count = 0

    @property
    def height(self) -> int:
        """HEIGHT as the next block's scripts will see it."""
        return self._next_height

    @property
    def tip(self) -> ChainTip:
        return ChainTip.synthetic(self._next_height)

    def advance(self, blocks: int = 1) -> None:
        if blocks < 0:
            raise TxBuildError(f"the chain never moves backwards; got {blocks} blocks")
        self._next_height += blocks

    def genesis_box(self, tree: ErgoTree, value: int, tokens: Sequence[Token] = ()) -> ErgoBox:
        """A box that exists from the start (a funded wallet, say)."""
        self._genesis_count += 1
        candidate = ErgoBoxCandidate(
            value=value, script=tree, creation_height=0, tokens=list(tokens)
        )
        tx_id = TxId(blake2b256(b"gpuc-genesis-%d" % self._genesis_count))
        box = ErgoBox.from_box_candidate(candidate, tx_id, 0)
        self._utxo[str(box.box_id)] = box
        return box

    def box(self, box_id: str) -> ErgoBox:
        try:
            return self._utxo[box_id]
        except KeyError as exc:
            raise TxBuildError(f"box {box_id} is unknown or already spent") from exc

    def unspent(self) -> list[ErgoBox]:
        return list(self._utxo.values())

    def apply(self, tx: Transaction) -> list[ErgoBox]:
        """Spend the inputs, add the outputs and mine them in a block of their own (so the
        next transaction sees its inputs below HEIGHT); nothing changes if an input is missing."""
        spent = [str(i.box_id) for i in tx.inputs]
        for box_id in spent:
            self.box(box_id)
        for box_id in spent:
            del self._utxo[box_id]
        outputs = list(tx.outputs)
        for box in outputs:
            self._utxo[str(box.box_id)] = box
        self._next_height += 1
        return outputs
