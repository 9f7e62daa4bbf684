"""gpuc wallet: make or import an encrypted keystore; show the configured key's address."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gpuc.context import cli_command, state
from gpuc.errors import UsageError

if TYPE_CHECKING:  # imported where used: `gpuc wallet CMD --help` must not load eth_account
    from protocol.wallet import Wallet

app = typer.Typer(help="Keys: encrypted JSON v3 keystores, or a hex key in GPUC_PRIVATE_KEY.")

OutArg = Annotated[Path, typer.Argument(help="Where to write the keystore (must not exist).")]


def _new_password() -> str:
    """From the password env var, else asked twice on a terminal."""
    env = state().settings.password_env
    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():
        raise UsageError(f"set {env} to the keystore password (no terminal to ask on)")
    first = getpass.getpass("new keystore password: ")
    if first != getpass.getpass("repeat the password: "):
        raise UsageError("the passwords differ: try again")
    return first


def _write(wallet: Wallet, path: Path) -> None:
    wallet.to_keystore(path, _new_password())
    state().output.result(
        {"address": wallet.address, "keystore": str(path)}, title="keystore written"
    )


@app.command()
@cli_command
def new(path: OutArg) -> None:
    """Create a random key and write it as an encrypted keystore."""
    from eth_account import Account

    from protocol.wallet import Wallet

    _write(Wallet(Account.create()), path)


@app.command("import")
@cli_command
def import_key(path: OutArg) -> None:
    """Encrypt the key in GPUC_PRIVATE_KEY (or typed at a hidden prompt) into a keystore."""
    from protocol.wallet import Wallet

    env = state().settings.key_env
    if os.environ.get(env):
        wallet = Wallet.from_env(env)
    elif sys.stdin.isatty():
        wallet = Wallet.from_private_key(getpass.getpass("private key (hidden): ").strip())
    else:
        raise UsageError(f"set {env} to the key to import (no terminal to ask on)")
    _write(wallet, path)


@app.command()
@cli_command
def address() -> None:
    """The address of the configured key (--keystore or GPUC_PRIVATE_KEY)."""
    state().output.result({"address": state().wallet().address}, title="wallet")
