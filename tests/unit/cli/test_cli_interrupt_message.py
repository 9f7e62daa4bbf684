"""Ctrl-C says which transaction may still be mined, or that nothing was waiting; notes
(the API key gpuc up prints) never wrap."""

from __future__ import annotations

from gpuc.context import _interrupted
from protocol.tx.sender import TxSender


def test_the_message_names_the_transaction_in_flight() -> None:
    # The set is process-wide: earlier tests in this process may have broadcast without
    # waiting, so start from an empty one and put theirs back after.
    earlier = set(TxSender._in_flight)
    TxSender._in_flight.clear()
    try:
        assert _interrupted() == "interrupted: no transaction was waiting to be mined"
        tx = "0x" + "ab" * 32
        TxSender._in_flight.add(tx)
        message = _interrupted()
    finally:
        TxSender._in_flight.clear()
        TxSender._in_flight.update(earlier)
    assert tx in message and "may still be mined" in message


def test_notes_never_wrap_a_long_key(capsys: object) -> None:
    from gpuc.output import Output

    key = "gpuc_0x" + "ab" * 150
    Output().note(f"  OpenAI client: base_url=http://127.0.0.1:1/v1 api_key={key}")
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert f"api_key={key}\n" in out and out.count("\n") == 1
