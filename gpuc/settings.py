"""gpuc settings: flags > GPUC_* environment variables > TOML config file > defaults.

The config file is ``--config PATH``, else $GPUC_CONFIG, else ./gpuc.toml if present.
Keys are the field names below (rpc_url = "http://...").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from gpuc.errors import UsageError
from protocol.wallet import DEFAULT_KEY_ENV, DEFAULT_PASSWORD_ENV

__all__ = ["DEFAULT_CONFIG_FILE", "GpucSettings", "load_settings"]

DEFAULT_CONFIG_FILE = Path("gpuc.toml")


class GpucSettings(BaseSettings):
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
    toml = _config_path(config_file)

    class _Settings(GpucSettings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
            if toml is not None:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml))
            return tuple(sources)

    given = {k: v for k, v in flags.items() if v is not None}
    try:
        return _Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise UsageError(
            f"setting {field}: {first['msg']} "
            f"(from a flag, GPUC_{field.upper()} or the config file)"
        ) from None
    except ValueError as exc:  # a TOML syntax error
        raise UsageError(f"config file {toml}: {exc}") from None
