"""The `gpuc` command: consumers, providers and oracle operators from the shell.

    gpuc up                       the whole marketplace on this machine, until Ctrl-C
    gpuc demo [--market FILE]     a scripted session with a summary table
    gpuc buy RESOURCE --max-price P --spec-file F    buy one job and get its result
    gpuc chain up                 local anvil + contracts, until Ctrl-C
    gpuc deploy --rpc URL         deploy to any JSON-RPC chain
    gpuc gateway                  OpenAI-compatible LLM gateway over the book's LLM offers
    gpuc llm serve                sell a language model per token
    gpuc credits|provider|job|oracle|wallet|matcher ...

Shared flags (--rpc, --chain-id, --json, ...) go before or after the command; settings
also come from GPUC_* variables and a TOML file (see gpuc.settings).

Commands load lazily: `gpuc --help` lists them from the table below without importing
web3 or the services, and `gpuc job ...` imports only what the job commands need.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Annotated

import typer
from typer import _click as click  # typer 0.29 vendors click: its classes, not click's
from typer.core import TyperCommand, TyperGroup

from gpuc.context import cli_command

__all__ = ["COMMANDS", "app", "main"]


def _function(module: str, name: str) -> Callable[[], click.Command]:
    def load() -> click.Command:
        single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        single.command(name)(getattr(importlib.import_module(module), name))
        return typer.main.get_command(single)

    return load


def _group(
    module: str, extra: Callable[[typer.Typer], None] | None = None
) -> Callable[[], click.Command]:
    def load() -> click.Command:
        sub: typer.Typer = importlib.import_module(module).app
        if extra is not None:
            extra(sub)
        return typer.main.get_group(sub)

    return load


def _provider_run(sub: typer.Typer) -> None:
    from gpuc.commands.provider_run import run

    if not any(c.name == "run" for c in sub.registered_commands):
        sub.command("run")(run)


def _matcher_key(sub: typer.Typer) -> None:
    from gpuc.commands import matcher_key

    if not any(g.name == "key" for g in sub.registered_groups):
        sub.add_typer(matcher_key.app, name="key")


# name -> (loader, one-line help shown by `gpuc --help`)
COMMANDS: dict[str, tuple[Callable[[], click.Command], str]] = {
    "up": (_function("gpuc.commands.up", "up"),
           "The whole marketplace on this machine (chain, oracles, matcher, providers)."),
    "demo": (_function("gpuc.commands.demo", "demo"),
             "A scripted session against a market, with a summary table."),
    "buy": (_function("gpuc.commands.buy", "buy"),
            "Buy one job: match, open on chain, wait, fetch and check the result."),
    "chain": (_group("gpuc.commands.chain"), "A local chain with the contracts deployed."),
    "deploy": (_function("gpuc.commands.deploy", "deploy"),
               "Deploy the contracts to any JSON-RPC chain."),
    "credits": (_group("gpuc.commands.credits"), "Buy, redeem, send and claim GPUC credits."),
    "provider": (_group("gpuc.commands.provider", _provider_run),
                 "Run the provider agent, stake, accept, deliver, get paid."),
    "job": (_group("gpuc.commands.job"),
            "Open jobs and follow them: status, result, logs, cancel, refund, dispute."),
    "oracle": (_group("gpuc.commands.oracle"),
               "Run an oracle, join or leave the committee, sign and submit verdicts."),
    "wallet": (_group("gpuc.commands.wallet"), "Create and inspect keys and keystores."),
    "gateway": (_function("gpuc.commands.llm", "gateway"),
                "An OpenAI-compatible LLM gateway on this machine, paying per token."),
    "llm": (_group("gpuc.commands.llm"), "Sell a language model per token (gpuc llm serve)."),
    "matcher": (_group("gpuc.commands.matcher_run", _matcher_key),
                "Run the matcher and its dashboard; API keys for your wallet."),
}  # fmt: skip


_COMPLETION = ("install_completion", "show_completion")


class _Listed(TyperCommand):
    """What `gpuc --help` shows for a command it has not loaded."""


class LazyGroup(TyperGroup):
    """Commands from COMMANDS, imported when run (or when their own --help is asked)."""

    _listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in COMMANDS if n not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        load, summary = COMMANDS[cmd_name]
        if self._listing:
            return _Listed(cmd_name, help=summary, short_help=summary)
        command = load()
        command.name = cmd_name
        # typer gives a group converted on its own the root's completion flags: drop them
        command.params = [p for p in command.params if p.name not in _COMPLETION]
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="gpuc",
    cls=LazyGroup,
    help="GPUC: a GPU compute marketplace whose money lives on-chain.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("gpuc")
        except PackageNotFoundError:  # run from a source tree that was never installed
            found = "unknown (not installed)"
        typer.echo(f"gpuc {found}")
        raise typer.Exit()


@app.callback()
@cli_command
def root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_show_version, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Shared flags given before the command land here."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
