"""The one settings pattern (protocol.settings): defaults < file < environment < flags, for
every service's settings class, with errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpuc.commands.matcher_run import matcher_settings
from gpuc.errors import UsageError
from gpuc.settings import GpucSettings
from matcher.settings import MatcherSettings
from oracles.config import OracleConfig
from protocol.settings import SettingsError, load_service_settings
from provider.agent_config import AgentConfig


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GPUC_MATCHER_PORT", "GPUC_MATCHER_DATABASE_URL", "GPUC_MATCHER_CHAIN_ID"):
        monkeypatch.delenv(var, raising=False)


def test_each_layer_beats_the_one_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "matcher.toml"
    path.write_text('port = 9001\ndatabase_url = "sqlite:///file.db"\nchain_id = 5\n')
    assert load_service_settings(MatcherSettings).port == 8080  # defaults
    from_file = load_service_settings(MatcherSettings, path)
    assert (from_file.port, from_file.database_url, from_file.chain_id) == (
        9001,
        "sqlite:///file.db",
        5,
    )
    monkeypatch.setenv("GPUC_MATCHER_PORT", "9002")
    monkeypatch.setenv("GPUC_MATCHER_DATABASE_URL", "sqlite:///env.db")
    from_env = load_service_settings(MatcherSettings, path)
    assert (from_env.port, from_env.database_url, from_env.chain_id) == (
        9002,
        "sqlite:///env.db",
        5,
    )
    flagged = load_service_settings(MatcherSettings, path, port=9003, database_url=None)
    assert (flagged.port, flagged.database_url) == (9003, "sqlite:///env.db")


def test_nested_tables_merge_across_layers(tmp_path: Path) -> None:
    path = tmp_path / "matcher.json"
    path.write_text('{"book": {"horizon_s": 10, "accept_window_s": 30}}')
    settings = load_service_settings(MatcherSettings, path, book={"accept_window_s": 40})
    assert settings.book.horizon_s == 10  # from the file
    assert settings.book.accept_window_s == 40  # the flag


def test_relative_paths_in_a_file_are_from_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "cfg"
    folder.mkdir()
    path = folder / "oracle.toml"
    path.write_text('db_path = "state/oracle.db"\n')
    assert load_service_settings(OracleConfig, path).db_path == folder.resolve() / "state/oracle.db"
    # a flag is taken as given
    flagged = load_service_settings(OracleConfig, path, db_path=Path("x.db"))
    assert flagged.db_path == Path("x.db")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("port = 70000\n", "setting 'port'"),
        ("no_such_setting = 1\n", "setting 'no_such_setting'"),
        ("port = = 1\n", "not valid TOML"),
        ('{"port": ', "not valid JSON"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / ("m.json" if text.startswith("{") else "m.toml")
    path.write_text(text)
    with pytest.raises(SettingsError, match=problem):
        load_service_settings(MatcherSettings, path)


def test_a_json_file_must_be_a_table(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text("[1, 2]")
    with pytest.raises(SettingsError, match="must be a table"):
        load_service_settings(MatcherSettings, path)


def test_a_bad_variable_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPUC_MATCHER_PORT", "-1")
    with pytest.raises(SettingsError, match="GPUC_MATCHER_PORT"):
        load_service_settings(MatcherSettings)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_service_settings(GpucSettings, tmp_path / "nope.toml")


def test_every_service_uses_the_pattern() -> None:
    from protocol.settings import ServiceSettings

    for cls in (GpucSettings, OracleConfig, MatcherSettings, AgentConfig):
        assert issubclass(cls, ServiceSettings), cls


def test_gpuc_matcher_run_honours_the_matcher_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gpuc matcher run` used to pass its own flag defaults, so GPUC_MATCHER_DATABASE_URL
    was silently ignored."""
    monkeypatch.setenv("GPUC_MATCHER_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    settings = matcher_settings(None, None, port=None, database_url=None, book={})
    assert settings.database_url == f"sqlite:///{tmp_path / 'env.db'}"
    assert settings.chain_id == 31337
    flagged = matcher_settings(
        None, 7, port=9000, database_url="sqlite:///flag.db", book={"accept_window_s": None}
    )
    assert (flagged.database_url, flagged.chain_id, flagged.port) == ("sqlite:///flag.db", 7, 9000)
    assert flagged.book.accept_window_s == 300


def test_gpuc_matcher_run_refuses_a_public_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GPUC_MATCHER_HOST", "0.0.0.0")
    with pytest.raises(UsageError, match="loopback only"):
        matcher_settings(None, None)


def test_the_local_committee_checks_the_config_it_writes(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from gpuc.devnet.local_cluster import LocalOracleCluster

    key = "0x" + "11" * 32
    with pytest.raises(ValidationError, match="no_such_setting"):
        LocalOracleCluster(
            "http://127.0.0.1:8545",
            tmp_path / "m.json",
            [key],
            tmp_path,
            settings={"no_such_setting": 1},
        )
    cluster = LocalOracleCluster(
        "http://127.0.0.1:8545", tmp_path / "m.json", [key], tmp_path, settings={"confirmations": 3}
    )
    loaded = load_service_settings(OracleConfig, cluster[0].config_path)
    assert (loaded.confirmations, loaded.listen_port) == (3, cluster[0].port)
