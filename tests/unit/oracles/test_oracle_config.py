"""The oracle config: file, environment and flags, relative paths, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from oracles.config import load_oracle_config
from oracles.errors import OracleConfigError
from oracles.settlement import SettlementConfig, single_settle_method
from protocol.typed_data import Outcome

PEER = "0x" + "ab" * 20


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf" / "oracle.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_file_values_paths_relative_to_the_file_and_peers(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f'rpc_url = "http://127.0.0.1:9545"\nkeystore = "key.json"\ndb_path = "/abs/o.db"\n'
        f"listen_port = 8701\nconfirmations = 3\n[throughput]\nmatmul = 5.0\n"
        f'[[peers]]\naddress = "{PEER}"\nurl = "http://127.0.0.1:8702/"\n',
    )
    config = load_oracle_config(path)
    assert config.rpc_url == "http://127.0.0.1:9545"
    assert config.keystore == tmp_path / "conf" / "key.json"
    assert config.db_path == Path("/abs/o.db")
    assert config.listen_port == 8701 and config.listen_host == "127.0.0.1"
    assert config.confirmations == 3
    (peer,) = config.peers
    assert peer.address == "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
    assert peer.base == "http://127.0.0.1:8702"
    assert config.units_per_second(PEER, "matmul") == 5.0


def test_flags_beat_environment_which_beats_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "listen_port = 1000\nconfirmations = 4\n")
    monkeypatch.setenv("GPUC_ORACLE_LISTEN_PORT", "2000")
    config = load_oracle_config(path)
    assert config.listen_port == 2000 and config.confirmations == 4
    assert load_oracle_config(path, listen_port=3000, confirmations=None).listen_port == 3000


def test_provider_specific_throughput_overrides_the_default(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f'[throughput]\nmatmul = 100.0\n[provider_throughput."{PEER}"]\nmatmul = 7.0\n',
    )
    config = load_oracle_config(path)
    assert config.units_per_second(PEER.upper().replace("0X", "0x"), "matmul") == 7.0
    assert config.units_per_second("0x" + "cd" * 20, "matmul") == 100.0
    with pytest.raises(OracleConfigError, match="no positive throughput"):
        config.units_per_second(PEER, "container")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("confirmations = 0\n", "'confirmations'"),
        ("unknown_key = 1\n", "'unknown_key'"),
        ('rpc_url = "ws://x"\n', "'rpc_url'"),
        ('[[peers]]\naddress = "0x12"\nurl = "http://x"\n', "'peers.0.address'"),
        ("fee_bump = 1.05\n", "'fee_bump'"),
        ("listen_port = 70000\n", "'listen_port'"),
    ],
)
def test_bad_values_name_the_setting(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(OracleConfigError, match=problem):
        load_oracle_config(_write(tmp_path, text))


def test_missing_and_malformed_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(OracleConfigError, match="does not exist"):
        load_oracle_config(tmp_path / "nope.toml")
    with pytest.raises(OracleConfigError, match="not valid TOML"):
        load_oracle_config(_write(tmp_path, "confirmations = = 2\n"))


def test_a_release_settled_alone_pays_out_unless_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = [PEER]
    on = SettlementConfig.of(load_oracle_config(_write(tmp_path, "")), members)
    assert on.settle_and_pay_out is True
    assert single_settle_method(Outcome.RELEASE, pay_out=on.settle_and_pay_out) == (
        "settleAndPayOut"
    )
    # A fault pays nothing out: plain settle either way.
    assert single_settle_method(Outcome.FAULT, pay_out=True) == "settle"
    monkeypatch.setenv("GPUC_ORACLE_SETTLE_AND_PAY_OUT", "false")
    off = SettlementConfig.of(load_oracle_config(_write(tmp_path, "")), members)
    assert off.settle_and_pay_out is False
    assert single_settle_method(Outcome.RELEASE, pay_out=off.settle_and_pay_out) == "settle"
    path = _write(tmp_path, "settle_and_pay_out = 3\n")
    monkeypatch.delenv("GPUC_ORACLE_SETTLE_AND_PAY_OUT")
    with pytest.raises(OracleConfigError, match="settle_and_pay_out"):
        load_oracle_config(path)
