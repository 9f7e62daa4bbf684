"""What every command gets: settings, output, and lazily a protocol connection and a key.

``cli_command`` gives a command the shared flags (--rpc, --chain-id, --json, ...) so they
work after the command name (``gpuc deploy --rpc URL``) as well as before it, and turns
any SDK or CLI error into one line and an exit code, so commands hold only the happy path.
"""

from __future__ import annotations

import functools
import getpass
import inspect
import sys
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from gpuc.errors import ExitCode, GpucError
from gpuc.output import Output
from protocol.errors import ProtocolError

if TYPE_CHECKING:  # imported when first used: `gpuc --help` must not load web3
    from web3 import Web3

    from gpuc.settings import GpucSettings
    from protocol.client import Protocol
    from protocol.tx.sender import TxSender
    from protocol.wallet import Wallet

__all__ = ["COMMON_OPTIONS", "CliState", "cli_command", "report", "state"]

P = ParamSpec("P")
R = TypeVar("R")

# name -> annotation; each becomes a keyword option of the root callback and of every command.
COMMON_OPTIONS: dict[str, Any] = {
    "rpc": Annotated[
        str | None,
        typer.Option("--rpc", help="JSON-RPC URL (env GPUC_RPC_URL).", show_default=False),
    ],
    "matcher": Annotated[
        str | None,
        typer.Option(
            "--matcher",
            help="Matcher URL, as `gpuc up` prints it (env GPUC_MATCHER_URL).",
            show_default=False,
        ),
    ],
    "chain_id": Annotated[
        int | None,
        typer.Option("--chain-id", help="Expected chain id; refuse any other [GPUC_CHAIN_ID]."),
    ],
    "deployments": Annotated[
        Path | None,
        typer.Option(
            "--deployments", help="Folder of <chainId>.json manifests [GPUC_DEPLOYMENTS_DIR]."
        ),
    ],
    "manifest": Annotated[
        Path | None, typer.Option("--manifest", help="Use this manifest file [GPUC_MANIFEST].")
    ],
    "keystore": Annotated[
        Path | None,
        typer.Option(
            "--keystore", help="JSON v3 keystore; password from GPUC_KEYSTORE_PASSWORD or a prompt."
        ),
    ],
    "config": Annotated[
        Path | None, typer.Option("--config", help="TOML settings file [GPUC_CONFIG, ./gpuc.toml].")
    ],
    "confirmations": Annotated[
        int | None, typer.Option("--confirmations", help="Blocks to wait for [GPUC_CONFIRMATIONS].")
    ],
    "timeout": Annotated[
        float | None,
        typer.Option("--timeout", help="Seconds to wait for a transaction [GPUC_TIMEOUT]."),
    ],
    "json_out": Annotated[
        bool, typer.Option("--json", help="Print one JSON object (for scripts).")
    ],
}

# Flag name -> settings field.
_SETTING_OF = {
    "rpc": "rpc_url",
    "matcher": "matcher_url",
    "chain_id": "chain_id",
    "deployments": "deployments_dir",
    "manifest": "manifest",
    "keystore": "keystore",
    "confirmations": "confirmations",
    "timeout": "timeout",
}


class CliState:
    """Flags gathered from the root and the command; settings load on first use."""

    def __init__(self) -> None:
        self.output = Output()
        self._flags: dict[str, Any] = {}
        self._config_file: Path | None = None
        self._settings: GpucSettings | None = None
        self._protocol: Protocol | None = None
        self._wallet: Wallet | None = None

    def take_flags(self, flags: dict[str, Any]) -> None:
        """Record flags given at this level (later levels win)."""
        if flags.get("json_out"):
            self.output.json_mode = True
        if flags.get("config") is not None:
            self._config_file = flags["config"]
        for flag, field in _SETTING_OF.items():
            if flags.get(flag) is not None:
                self._flags[field] = flags[flag]

    def given(self, field: str) -> Any:
        """A setting given as a flag in this invocation (None if not given)."""
        return self._flags.get(field)

    @property
    def settings(self) -> GpucSettings:
        if self._settings is None:
            from gpuc.settings import load_settings

            self._settings = load_settings(self._config_file, **self._flags)
        return self._settings

    def protocol(self) -> Protocol:
        if self._protocol is None:
            from protocol.client import Protocol, TxOptions

            s = self.settings
            with self.output.waiting(f"connecting to {s.rpc_url}"):
                self._protocol = Protocol.connect(
                    s.rpc_url,
                    deployments_dir=s.deployments_dir,
                    manifest_file=s.manifest,
                    chain_id=s.chain_id,
                    options=TxOptions(
                        gas_margin=s.gas_margin, confirmations=s.confirmations, timeout=s.timeout
                    ),
                )
        return self._protocol

    def sender_for(self, w3: Web3, wallet: Wallet) -> TxSender:
        """A sender configured by the settings, for commands that work before a manifest."""
        from protocol.tx.sender import TxSender

        s = self.settings
        return TxSender(
            w3,
            wallet,
            gas_margin=s.gas_margin,
            confirmations=s.confirmations,
            timeout=s.timeout,
        )

    def wallet(self) -> Wallet:
        """The key from --keystore (password from the env var or a prompt) or the env var."""
        if self._wallet is None:
            from protocol.wallet import Wallet

            s = self.settings
            if s.keystore is not None:
                prompt = _password_prompt(s.keystore.name) if sys.stdin.isatty() else None
                self._wallet = Wallet.from_keystore(
                    s.keystore, password_env=s.password_env, prompt=prompt
                )
            else:
                self._wallet = Wallet.from_env(s.key_env)
        return self._wallet


def _password_prompt(name: str) -> Callable[[], str]:
    return lambda: getpass.getpass(f"password for {name}: ")


_CURRENT: ContextVar[CliState] = ContextVar("gpuc_cli_state")


def state() -> CliState:
    """The state of the invocation being run (set by ``cli_command``)."""
    try:
        return _CURRENT.get()
    except LookupError:
        raise GpucError(
            "no gpuc invocation is running: call commands through gpuc.cli.app"
        ) from None


def _bind_state(ctx: typer.Context) -> None:
    # One CliState per invocation, kept on the root context: the root callback and the
    # command of one run share it, and a new run (CliRunner, tests) starts fresh.
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    _CURRENT.set(root.obj)


def report(exc: BaseException) -> typer.Exit:
    """Print ``exc`` as one line and return the Exit to raise."""
    return typer.Exit(state().output.fail(exc))


def cli_command(command: Callable[P, R]) -> Callable[..., R]:
    """Add the common options to ``command`` and report its errors as one line."""
    signature = inspect.signature(command, eval_str=True)
    extra = [
        inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=_default(name), annotation=ann
        )
        for name, ann in COMMON_OPTIONS.items()
    ]
    extra.append(inspect.Parameter(_CTX, inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context))

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        _bind_state(kwargs.pop(_CTX))
        common = {name: kwargs.pop(name, None) for name in COMMON_OPTIONS}
        try:
            state().take_flags(common)
            return command(*args, **kwargs)
        except (ProtocolError, GpucError) as exc:
            raise report(exc) from None
        except KeyboardInterrupt:
            state().output.errors.print(_interrupted(), markup=False)
            raise typer.Exit(ExitCode.INTERRUPTED) from None

    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *extra]
    )
    wrapper.__annotations__ = {
        **{p.name: p.annotation for p in signature.parameters.values()},
        **COMMON_OPTIONS,
        _CTX: typer.Context,
    }
    return wrapper


_CTX = "gpuc_typer_context"


def _interrupted() -> str:
    """What Ctrl-C left behind: the transactions sent and not seen mined, or nothing."""
    if "protocol.tx.sender" not in sys.modules:
        return "interrupted: nothing was sent"
    from protocol.tx.sender import TxSender

    pending = TxSender.in_flight()
    if not pending:
        return "interrupted: no transaction was waiting to be mined"
    return (
        f"interrupted while waiting for {', '.join(pending)}: it was sent and may still be "
        "mined; look it up by its hash before sending it again"
    )


def _default(name: str) -> Any:
    return False if name == "json_out" else None
