"""`python -m matcher`: run the matcher with uvicorn on 127.0.0.1."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from matcher.api.app import create_app
from matcher.settings import MatcherSettings


def serve(settings: MatcherSettings) -> None:
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"the matcher binds loopback only, not {settings.host}")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m matcher", description=__doc__)
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: GPUC_MATCHER_ settings)")
    parser.add_argument("--port", type=int, help="TCP port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--chain-id", type=int)
    parser.add_argument("--rate-limit-per-s", type=float)
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if v is not None}
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve(MatcherSettings(**overrides))


if __name__ == "__main__":
    main()
