"""The `gpuc` command: consumers, providers and oracle operators from the shell.

    gpuc up                       the whole marketplace on this machine, until Ctrl-C
    gpuc demo [--market FILE]     a scripted session with a summary table
    gpuc chain up                 local anvil + contracts, until Ctrl-C
    gpuc deploy --rpc URL         deploy to any JSON-RPC chain
    gpuc gateway --provider URL   OpenAI-compatible LLM gateway paying per token
    gpuc llm serve                sell a language model per token
    gpuc credits|provider|job|oracle|wallet ...

Shared flags (--rpc, --chain-id, --json, ...) go before or after the command; settings
also come from GPUC_* variables and a TOML file (see gpuc.settings).
"""

from __future__ import annotations

import typer

from gpuc.commands import (
    chain,
    credits,
    job,
    llm,
    matcher_run,
    oracle,
    provider,
    provider_run,
    wallet,
)
from gpuc.commands.demo import demo
from gpuc.commands.deploy import deploy
from gpuc.commands.up import up
from gpuc.context import cli_command

__all__ = ["app", "main"]

app = typer.Typer(
    name="gpuc",
    help="GPUC: a GPU compute marketplace whose money lives on-chain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
@cli_command
def root() -> None:
    """Shared flags given before the command land here."""


app.command("up")(up)
app.command("demo")(demo)
app.add_typer(chain.app, name="chain")
app.command("deploy")(deploy)
app.add_typer(credits.app, name="credits")
provider.app.command("run")(provider_run.run)
app.add_typer(provider.app, name="provider")
app.add_typer(job.app, name="job")
app.add_typer(oracle.app, name="oracle")
app.add_typer(wallet.app, name="wallet")
app.add_typer(matcher_run.app, name="matcher")
app.add_typer(llm.app, name="llm")
app.command("gateway")(llm.gateway)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
