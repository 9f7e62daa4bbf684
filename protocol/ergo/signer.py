"""Sign a TxPlan with sigma-rust: reducing each input runs its ErgoScript (no JVM)."""

from __future__ import annotations

from collections.abc import Sequence

from ergo_lib_python.exceptions import WalletException
from ergo_lib_python.transaction import Transaction
from ergo_lib_python.wallet import SecretKey, Wallet

from protocol.ergo.chain_tip import ChainTip
from protocol.ergo.errors import SpendRejectedError
from protocol.ergo.tx_plan import TxPlan

__all__ = ["sign_plan"]

_REASON_CHARS = 300


def sign_plan(plan: TxPlan, tip: ChainTip, secrets: Sequence[SecretKey] = ()) -> Transaction:
    """Prove every input; a script that reduces to false raises SpendRejectedError."""
    wallet = Wallet(list(secrets))
    try:
        return wallet.sign_transaction(
            plan.unsigned,
            list(plan.boxes_to_spend),
            list(plan.data_boxes),
            tip.state_context(),
        )
    except WalletException as exc:
        # sigma-rust appends the whole script and environment; the first part says why.
        reason = str(exc)[:_REASON_CHARS]
        raise SpendRejectedError(
            f"the interpreter rejected the spend: {reason}; check the path's conditions "
            "(height, verdict data input, outputs) and that the right keys sign"
        ) from exc
