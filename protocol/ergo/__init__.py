"""GPUC on Ergo: compile the ErgoScript contracts (appkit via JPype), build and sign every
spend path with sigma-rust (no JVM), and talk to a live node over REST.

Only ``compile_script``/``compile_contracts`` start a JVM; everything else is sigma-rust.
"""

from protocol.ergo.bank_state import BankState
from protocol.ergo.bank_tx import bank_box_candidate, exchange_at_bank
from protocol.ergo.chain_tip import ChainTip
from protocol.ergo.collateral_terms import CollateralTerms
from protocol.ergo.collateral_tx import lock_collateral, withdraw_collateral
from protocol.ergo.compiled_contract import CompiledContract, blake2b256
from protocol.ergo.compiler import compile_script
from protocol.ergo.contracts import ContractParams, ErgoContracts, compile_contracts
from protocol.ergo.errors import (
    CompileError,
    ContractSourceError,
    ErgoError,
    JvmError,
    NodeError,
    NodeNotFoundError,
    NodeRejectedError,
    SpendRejectedError,
    TxBuildError,
)
from protocol.ergo.escrow_terms import EscrowTerms
from protocol.ergo.escrow_tx import open_escrow, refund_escrow, release_escrow, slash_for_fault
from protocol.ergo.offline_ledger import OfflineLedger
from protocol.ergo.signer import sign_plan
from protocol.ergo.token_issue import fund_outputs, issue_token, issued_token_id
from protocol.ergo.tx_plan import TxPlan, assemble, p2pk_tree
from protocol.ergo.verdict import ErgoVerdict
from protocol.ergo.verdict_tx import publish_verdict, verdict_box_candidate

__all__ = [
    "BankState",
    "ChainTip",
    "CollateralTerms",
    "CompileError",
    "CompiledContract",
    "ContractParams",
    "ContractSourceError",
    "ErgoContracts",
    "ErgoError",
    "ErgoVerdict",
    "EscrowTerms",
    "JvmError",
    "NodeError",
    "NodeNotFoundError",
    "NodeRejectedError",
    "OfflineLedger",
    "SpendRejectedError",
    "TxBuildError",
    "TxPlan",
    "assemble",
    "bank_box_candidate",
    "blake2b256",
    "compile_contracts",
    "compile_script",
    "exchange_at_bank",
    "fund_outputs",
    "issue_token",
    "issued_token_id",
    "lock_collateral",
    "open_escrow",
    "p2pk_tree",
    "publish_verdict",
    "refund_escrow",
    "release_escrow",
    "sign_plan",
    "slash_for_fault",
    "verdict_box_candidate",
    "withdraw_collateral",
]
