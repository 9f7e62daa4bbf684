"""gpuc provider run CONFIG: the provider agent, until Ctrl-C (or SIGTERM)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from gpuc.context import cli_command, state


@cli_command
def run(
    agent_file: Annotated[
        Path, typer.Argument(metavar="CONFIG", help="Agent config (JSON or TOML).")
    ],
    cheat: Annotated[
        bool, typer.Option(help="Forge results (to see the oracles catch it and slash).")
    ] = False,
) -> None:
    """Sell this machine's compute: offers in the matcher, matched jobs run and delivered.

    The key: --keystore, or GPUC_PRIVATE_KEY for development. --rpc, --manifest and
    --matcher (or GPUC_RPC_URL, GPUC_MANIFEST, GPUC_MATCHER_URL) override the file. At
    start the agent checks it can serve its offers (document store, an oracle, the
    embedding model) and refuses to start otherwise. Events go to stdout as JSON lines.
    Edit the config's offer strategies to re-price while it runs. Write a commented
    config with `gpuc provider init`."""
    # Imported here: `gpuc provider CMD --help` must not load the agent (web3, the executor).
    from provider.agent import ProviderAgent
    from provider.agent_config import load_agent_config
    from provider.errors import ProviderError

    s = state()
    # The same settings as every gpuc command: flags, then GPUC_* variables, then the file.
    overrides: dict[str, Any] = {
        field: s.given(field) for field in ("rpc_url", "manifest", "matcher_url")
    }
    try:
        agent_config = load_agent_config(agent_file, overrides)
        tamper = None
        if cheat or agent_config.cheat:  # development only: the forger is not in provider/
            from gpuc.devnet.cheat import forging_tamper

            tamper = forging_tamper
        agent = ProviderAgent(
            agent_config,
            s.wallet(),
            config_path=agent_file,
            config_overrides=overrides,
            result_tamper=tamper,
        )
        stop = threading.Event()

        def handler(signum: int, frame: FrameType | None) -> None:
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, handler)
        agent.start()
        try:
            agent.run(stop)
        finally:
            agent.stop()
    except ProviderError as exc:
        s.output.fail(exc)
        raise typer.Exit(1) from None
