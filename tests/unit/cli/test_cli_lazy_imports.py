"""`gpuc --help`, `gpuc --version` and each group's and command's own `--help` start
without importing web3, eth_account, torch or transformers (startup time is measured by
scripts/bench/cli_startup.py); each command still loads when run."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from gpuc.cli import COMMANDS, app

_PROBE = """
import sys
from typer.testing import CliRunner
from gpuc.cli import app
result = CliRunner().invoke(app, ["--help"])
assert result.exit_code == 0, result.output
heavy = sorted(m for m in ("web3", "eth_account", "fastapi", "oracles", "matcher", "provider")
               if m in sys.modules)
print(",".join(heavy) or "none")
"""


_COMMAND_PROBE = """
import sys
from typer.testing import CliRunner
from gpuc.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
assert result.exit_code == 0, result.output
heavy = sorted(m for m in ("web3", "eth_account", "torch", "transformers") if m in sys.modules)
print(",".join(heavy) or "none")
"""
# The commands people run to find their way, and the reads they start with.
_LIGHT = (
    ("--version",),
    ("job", "--help"),
    ("job", "status", "--help"),
    ("job", "result", "--help"),
    ("matcher", "key", "list", "--help"),
    ("matcher", "run", "--help"),
    ("oracle", "info", "--help"),
    ("oracle", "run", "--help"),
    ("provider", "stake", "--help"),
    ("provider", "run", "--help"),
    ("credits", "balance", "--help"),
    ("wallet", "new", "--help"),
    ("buy", "--help"),
    ("chain", "--help"),
    ("chain", "up", "--help"),
    ("chain", "fund", "--help"),
    ("deploy", "--help"),
    ("up", "--help"),
    ("demo", "--help"),
    ("llm", "--help"),
    ("llm", "serve", "--help"),
    ("gateway", "--help"),
)


def test_version_and_command_help_import_no_chain_or_model_code() -> None:
    found = {}
    for argv in _LIGHT:
        done = subprocess.run(
            [sys.executable, "-c", _COMMAND_PROBE, *argv],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        found[" ".join(argv)] = done.stdout.strip()
    assert found == {" ".join(argv): "none" for argv in _LIGHT}


def test_help_imports_no_chain_or_service_code() -> None:
    found = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    assert found.stdout.strip() == "none", found.stdout + found.stderr


def test_help_lists_every_command_and_each_loads() -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["--help"], terminal_width=200)
    assert listed.exit_code == 0
    for name in COMMANDS:
        assert f" {name} " in listed.output
        own = runner.invoke(app, [name, "--help"], terminal_width=200)
        assert own.exit_code == 0, (name, own.output)
        assert "Usage: " in own.output and "--install-completion" not in own.output
    # a group of one command stays a group (gpuc up runs `gpuc matcher run`)
    assert runner.invoke(app, ["matcher", "run", "--help"]).exit_code == 0
    assert "GPUC_RPC_URL" in listed.output and "GPUC_MATCHER_URL" in listed.output
