"""Transactions: requests, fees, nonces, signing, broadcasting and waiting (one file each)."""

from protocol.tx.fees import FeeOracle, Fees
from protocol.tx.nonces import NonceTracker
from protocol.tx.request import TxRequest
from protocol.tx.sender import MinedTx, SignedTx, TxSender

__all__ = ["FeeOracle", "Fees", "MinedTx", "NonceTracker", "SignedTx", "TxRequest", "TxSender"]
