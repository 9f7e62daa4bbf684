"""gpuc matcher run: the matcher API, dashboard and job document store on 127.0.0.1.

This is the matcher's one entry point. Its settings (matcher.settings.MatcherSettings)
come, as for every service (protocol.settings), from the defaults, then --matcher-config
(TOML or JSON), then GPUC_MATCHER_* variables, then the flags below.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gpuc.context import cli_command, state
from gpuc.errors import UsageError

if TYPE_CHECKING:
    from matcher.settings import MatcherSettings

app = typer.Typer(help="Run the matcher (order book, OpenAI Batch API, dashboard).")

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def matcher_settings(
    config_file: Path | None, chain_id: int | None, **flags: Any
) -> MatcherSettings:
    """The matcher's settings: defaults < ``config_file`` < GPUC_MATCHER_* < flags.

    ``flags`` are MatcherSettings fields, plus the book's (accept_window_s, ...) under
    ``book``; a None value is a flag not given."""
    from matcher.settings import MatcherSettings
    from protocol.settings import SettingsError, load_service_settings

    book = {k: v for k, v in flags.pop("book", {}).items() if v is not None}
    try:
        settings = load_service_settings(
            MatcherSettings, config_file, chain_id=chain_id, book=book or None, **flags
        )
    except SettingsError as exc:
        raise UsageError(f"matcher {exc}") from None
    if settings.host not in _LOOPBACK:
        raise UsageError(f"the matcher binds loopback only, not {settings.host}")
    return settings


@app.command()
@cli_command
def run(
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port on 127.0.0.1 [default: 8080].")
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL of the order log [default: sqlite:///gpuc-matcher.db]."),
    ] = None,
    matcher_config: Annotated[
        Path | None,
        typer.Option(help="Matcher settings file (TOML or JSON; keys: matcher.settings)."),
    ] = None,
    documents_dir: Annotated[Path, typer.Option(help="Folder of the job document store.")] = Path(
        "gpuc-documents"
    ),
    chain: Annotated[
        bool, typer.Option(help="Show the deployment (--rpc, --manifest) on the dashboard.")
    ] = True,
    accept_window: Annotated[
        int | None,
        typer.Option(min=1, help="Seconds a matched provider has to accept [default: 300]."),
    ] = None,
    deadline_grace: Annotated[
        int | None,
        typer.Option(
            min=0, help="Seconds added to a job's deadline beyond its run time [default: 600]."
        ),
    ] = None,
    heartbeat_ttl: Annotated[
        float | None,
        typer.Option(min=1, help="Seconds an offer stays without a heartbeat [default: 60]."),
    ] = None,
    rate_limit_per_s: Annotated[
        float | None, typer.Option(help="Requests per second per client [default: 100].")
    ] = None,
) -> None:
    """Serve the matcher until Ctrl-C (or SIGTERM). The chain id comes from the deployment,
    else --chain-id (GPUC_CHAIN_ID), else GPUC_MATCHER_CHAIN_ID or the settings file."""
    s = state()
    protocol = s.protocol() if chain else None
    import uvicorn

    from gpuc.market.market_host import create_market_app

    chain_id = protocol.chain_id if protocol is not None else s.settings.chain_id
    settings = matcher_settings(
        matcher_config,
        chain_id,
        port=port,
        database_url=database_url,
        rate_limit_per_s=rate_limit_per_s,
        book={
            "accept_window_s": accept_window,
            "deadline_grace_s": deadline_grace,
            "heartbeat_ttl_s": heartbeat_ttl,
        },
    )
    application = create_market_app(settings, protocol, documents_dir)
    s.output.note(f"matcher on http://127.0.0.1:{settings.port} (dashboard at /dashboard/)")
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
    )
