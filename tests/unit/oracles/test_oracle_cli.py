"""`gpuc oracle run` refuses an unusable config with one line and a usage exit code,
before touching any chain."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from gpuc.cli import app
from gpuc.errors import ExitCode


def test_missing_config_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["oracle", "run", str(tmp_path / "nope.toml")])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "does not exist" in result.output and "Traceback" not in result.output


def test_bad_setting_is_named(tmp_path: Path) -> None:
    config = tmp_path / "oracle.toml"
    config.write_text("confirmations = 0\n")
    result = CliRunner().invoke(app, ["oracle", "run", str(config)])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "'confirmations'" in result.output


def test_unreachable_chain_is_a_chain_error(tmp_path: Path) -> None:
    config = tmp_path / "oracle.toml"
    config.write_text('rpc_url = "http://127.0.0.1:9"\n')
    result = CliRunner().invoke(
        app, ["oracle", "run", str(config)], env={"GPUC_PRIVATE_KEY": "0x" + "11" * 32}
    )
    assert result.exit_code == ExitCode.CHAIN
    assert "127.0.0.1:9" in result.output


def test_published_members_become_peers_once() -> None:
    from oracles.config import PeerConfig
    from oracles.peers import with_discovered_peers

    a, b, c = ("0x" + d * 40 for d in "abc")
    peers = (PeerConfig.model_validate({"address": a, "url": "http://127.0.0.1:1"}),)
    found = {
        a: "http://127.0.0.1:9",
        b: "http://127.0.0.1:2",
        c: None,
        "0x" + "d" * 40: "http://127.0.0.1:4",
    }
    merged = with_discovered_peers(peers, found, me="0x" + "D" * 40)
    assert [(p.address.lower(), str(p.url)) for p in merged] == [
        (a, "http://127.0.0.1:1"),
        (b, "http://127.0.0.1:2"),
    ]
