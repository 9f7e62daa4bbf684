"""Ctrl-C says which transaction may still be mined, or that nothing was waiting."""

from __future__ import annotations

from gpuc.context import _interrupted
from protocol.tx.sender import TxSender


def test_the_message_names_the_transaction_in_flight() -> None:
    assert _interrupted() == "interrupted: no transaction was waiting to be mined"
    tx = "0x" + "ab" * 32
    TxSender._in_flight.add(tx)
    try:
        message = _interrupted()
    finally:
        TxSender._in_flight.discard(tx)
    assert tx in message and "may still be mined" in message
