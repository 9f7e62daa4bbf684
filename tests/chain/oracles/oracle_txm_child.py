"""Child process of the transaction manager crash tests: submit one transfer under a
key, then poll; GPUC_ORACLE_CRASH_AT kills it at the named point.

usage: python oracle_txm_child.py RPC_URL PRIVATE_KEY DB_PATH TO_ADDRESS
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from oracles.db import Database
from oracles.txmanager import TxManager, TxStore
from protocol.rpc import connect
from protocol.tx.request import TxRequest
from protocol.tx.sender import TxSender
from protocol.wallet import Wallet


def main() -> None:
    rpc_url, key, db_path, to = sys.argv[1:5]
    manager = TxManager(
        TxSender(connect(rpc_url), Wallet.from_private_key(key)), TxStore(Database(Path(db_path)))
    )
    manager.submit("transfer", TxRequest(to=to, data=b"", value=1, label="transfer"))
    for _ in range(100):
        manager.poll()
        time.sleep(0.05)


if __name__ == "__main__":
    main()
