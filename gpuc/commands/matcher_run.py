"""gpuc matcher run: the matcher API, dashboard and job document store on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gpuc.context import cli_command, state

app = typer.Typer(help="Run the matcher (order book, OpenAI Batch API, dashboard).")


@app.command()
@cli_command
def run(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1.")] = 8080,
    database_url: Annotated[
        str, typer.Option(help="SQLAlchemy URL of the order log.")
    ] = "sqlite:///gpuc-matcher.db",
    documents_dir: Annotated[Path, typer.Option(help="Folder of the job document store.")] = Path(
        "gpuc-documents"
    ),
    chain: Annotated[
        bool, typer.Option(help="Show the deployment (--rpc, --manifest) on the dashboard.")
    ] = True,
    accept_window: Annotated[
        int, typer.Option(min=1, help="Seconds a matched provider has to accept.")
    ] = 300,
    deadline_grace: Annotated[
        int, typer.Option(min=0, help="Seconds added to a job's deadline beyond its run time.")
    ] = 600,
    heartbeat_ttl: Annotated[
        float, typer.Option(min=1, help="Seconds an offer stays without a heartbeat.")
    ] = 60.0,
) -> None:
    """Serve the matcher until Ctrl-C (or SIGTERM). The chain id comes from --chain-id or the
    deployment."""
    s = state()
    protocol = s.protocol() if chain else None
    chain_id = protocol.chain_id if protocol is not None else (s.settings.chain_id or 31337)
    import uvicorn

    from gpuc.market.market_host import create_market_app
    from matcher.book.config import BookConfig
    from matcher.settings import MatcherSettings

    book = BookConfig(
        accept_window_s=accept_window,
        deadline_grace_s=deadline_grace,
        heartbeat_ttl_s=heartbeat_ttl,
    )
    settings = MatcherSettings(database_url=database_url, chain_id=chain_id, port=port, book=book)
    application = create_market_app(settings, protocol, documents_dir)
    s.output.note(f"matcher on http://127.0.0.1:{port} (dashboard at /dashboard/)")
    uvicorn.run(application, host="127.0.0.1", port=port, log_level="warning", access_log=False)
