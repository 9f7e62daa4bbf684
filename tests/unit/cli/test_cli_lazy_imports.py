"""`gpuc --help` lists every command without importing web3 or the services (startup
time is measured by scripts/bench/cli_startup.py); each command still loads when run."""

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
