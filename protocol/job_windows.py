"""How long a consumer's own job gives its provider, by default (a light module: the CLI
shows these in `--help` without loading the chain code)."""

from __future__ import annotations

__all__ = ["DEFAULT_ACCEPT_WINDOW", "DEFAULT_RUN_WINDOW"]

DEFAULT_ACCEPT_WINDOW = 3600  # seconds the provider has to accept
DEFAULT_RUN_WINDOW = 24 * 3600  # seconds from now until the result is due
