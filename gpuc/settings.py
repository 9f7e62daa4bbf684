"""gpuc settings: flags > GPUC_* environment variables > TOML config file > defaults
(the pattern of every service: protocol.settings).

The config file is ``--config PATH``, else $GPUC_CONFIG, else ./gpuc.toml if present.
Keys are the field names below (rpc_url = "http://...").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from gpuc.errors import UsageError
from protocol.settings import ServiceSettings, SettingsError, load_service_settings
from protocol.wallet import DEFAULT_KEY_ENV, DEFAULT_PASSWORD_ENV

__all__ = ["DEFAULT_CONFIG_FILE", "GpucSettings", "load_settings"]

DEFAULT_CONFIG_FILE = Path("gpuc.toml")


class GpucSettings(ServiceSettings):
    """Where the chain is, which deployment and key to use, how to send."""

    model_config = SettingsConfigDict(env_prefix="GPUC_", extra="ignore", frozen=True)

    rpc_url: str = "http://127.0.0.1:8545"
    # The matcher (order book, document store at /documents); `gpuc up` prints its URL.
    matcher_url: str = "http://127.0.0.1:8080"
    chain_id: int | None = Field(default=None, gt=0)
    deployments_dir: Path = Path("deployments")
    manifest: Path | None = None
    keystore: Path | None = None
    key_env: str = DEFAULT_KEY_ENV
    password_env: str = DEFAULT_PASSWORD_ENV
    confirmations: int = Field(default=1, ge=1)
    timeout: float = Field(default=120.0, gt=0)
    gas_margin: float = Field(default=1.2, ge=1.0)


def _config_path(explicit: Path | None) -> Path | None:
    if explicit is not None:
        path = explicit
    elif os.environ.get("GPUC_CONFIG"):
        path = Path(os.environ["GPUC_CONFIG"])
    elif DEFAULT_CONFIG_FILE.exists():
        return DEFAULT_CONFIG_FILE
    else:
        return None
    if not path.is_file():
        raise UsageError(f"config file {path} does not exist: fix --config or GPUC_CONFIG")
    return path


def load_settings(config_file: Path | None = None, **flags: Any) -> GpucSettings:
    """Settings with ``flags`` (None means 'not given') on top of env and file."""
    try:
        return load_service_settings(GpucSettings, _config_path(config_file), **flags)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
