"""Crash-safe transaction sending: persist signed bytes first, resend, replace, confirm."""

from oracles.txmanager.manager import TxManager
from oracles.txmanager.records import TxAttempt, TxIntent, TxStatus
from oracles.txmanager.store import TxStore
from oracles.txmanager.writer_lock import WriterLock

__all__ = ["TxAttempt", "TxIntent", "TxManager", "TxStatus", "TxStore", "WriterLock"]
