"""Run the gpuc CLI in-process against a DevNet (shared by the CLI tests)."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from gpuc.cli import app
from tools.devnet import DevNet

__all__ = ["GpucRun"]


class GpucRun:
    """Invoke the gpuc CLI in-process against the session's chain."""

    def __init__(self, net: DevNet) -> None:
        self.net = net
        self.runner = CliRunner()

    def __call__(
        self, *args: str, key: int | None = None, env: dict[str, str] | None = None
    ) -> Result:
        base = {
            "GPUC_RPC_URL": self.net.chain.rpc_url,
            "GPUC_DEPLOYMENTS_DIR": str(self.net.manifest_path.parent),
            "GPUC_PRIVATE_KEY": None,
            "GPUC_KEYSTORE": None,
            "GPUC_CONFIG": None,
            "GPUC_CHAIN_ID": None,
        }
        if key is not None:
            base["GPUC_PRIVATE_KEY"] = self.net.chain.accounts[key].private_key.get_secret_value()
        return self.runner.invoke(app, list(args), env={**base, **(env or {})})

    def json(self, *args: str, key: int | None = None, env: dict[str, str] | None = None) -> Any:
        result = self(*args, "--json", key=key, env=env)
        assert result.exit_code == 0, result.stdout + result.stderr
        return json.loads(result.stdout)
