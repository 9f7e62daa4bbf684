"""Ctrl-C says which transaction may still be mined, or that nothing was waiting; notes
(the API key gpuc up prints) never wrap."""

from __future__ import annotations

import pytest

from gpuc.context import _interrupted
from protocol.tx.in_flight import InFlight
from protocol.tx.sender import TxSender


def test_the_message_names_the_transaction_in_flight(monkeypatch: pytest.MonkeyPatch) -> None:
    # The record is process-wide: earlier tests in this process may have broadcast without
    # waiting, so use an empty one here (monkeypatch puts theirs back after).
    now = [0.0]
    flight = InFlight(max_age=60.0, clock=lambda: now[0])
    monkeypatch.setattr(TxSender, "_in_flight", flight)
    assert _interrupted() == "interrupted: no transaction was waiting to be mined"
    tx = "0x" + "ab" * 32
    flight.add(tx)
    message = _interrupted()
    assert tx in message and "may still be mined" in message
    # A hash sent long ago and never seen mined is no longer named (the record is bounded).
    now[0] += 61.0
    assert _interrupted() == "interrupted: no transaction was waiting to be mined"


def test_notes_never_wrap_a_long_key(capsys: object) -> None:
    from gpuc.output import Output

    key = "gpuc_0x" + "ab" * 150
    Output().note(f"  OpenAI client: base_url=http://127.0.0.1:1/v1 api_key={key}")
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert f"api_key={key}\n" in out and out.count("\n") == 1
