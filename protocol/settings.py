"""One settings pattern for every GPUC service (gpuc, oracle, matcher, provider agent).

A service's settings are a :class:`ServiceSettings` subclass (pydantic-settings) with its
own environment prefix. :func:`load_service_settings` builds them from four layers, each
one overriding the one before:

1. defaults: the field defaults of the settings class;
2. file: a TOML file (JSON when its name ends in ``.json``); relative paths in the fields
   the class lists in ``file_relative_paths`` are taken from the file's folder, so a
   config directory can be moved as a whole;
3. environment: ``<env_prefix><FIELD>`` (GPUC_ORACLE_DB_PATH, GPUC_MATCHER_DATABASE_URL,
   GPUC_RPC_URL, ...); nested and list fields as JSON;
4. flags: keyword arguments (command-line options); ``None`` means "not given".

Building a settings class directly (``MatcherSettings(port=0)``) uses defaults,
environment and the keywords, without a file. A bad value raises
:class:`SettingsError` naming the setting and where it may have come from; each service
re-raises it as its own error type.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pydantic import ValidationError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from protocol.errors import ProtocolError

__all__ = [
    "ServiceSettings",
    "SettingsError",
    "load_service_settings",
    "read_settings_file",
]

S = TypeVar("S", bound="ServiceSettings")

# The file layer of the settings being built in this context (empty: no file).
_FILE_DATA: ContextVar[dict[str, Any] | None] = ContextVar("gpuc_settings_file", default=None)


class SettingsError(ProtocolError, ValueError):
    """A settings file is missing or malformed, or a setting's value is invalid."""


class ServiceSettings(BaseSettings):
    """Base of every service's settings: flags > environment > file > defaults."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid")

    # Fields whose relative paths in a file are relative to the file's folder.
    file_relative_paths: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First wins: flags (init keywords), then the environment, then the file.
        return (
            init_settings,
            env_settings,
            InitSettingsSource(settings_cls, _FILE_DATA.get() or {}),
        )


def read_settings_file(path: Path) -> dict[str, Any]:
    """The table of settings in ``path`` (TOML, or JSON for ``*.json``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(f"config file {path} does not exist: check the path") from None
    except OSError as exc:
        raise SettingsError(f"config file {path} cannot be read: {exc}") from None
    is_json = path.suffix.lower() == ".json"
    try:
        data = json.loads(text) if is_json else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        kind = "JSON" if is_json else "TOML"
        raise SettingsError(f"config file {path} is not valid {kind}: {exc}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"config file {path} must be a table of settings")
    return data


def _resolve_paths(data: dict[str, Any], fields: tuple[str, ...], base: Path) -> dict[str, Any]:
    resolved = dict(data)
    for key in fields:
        value = resolved.get(key)
        if isinstance(value, str) and not Path(value).is_absolute():
            resolved[key] = str(base / value)
    return resolved


@contextmanager
def _file_layer(data: dict[str, Any]) -> Iterator[None]:
    token = _FILE_DATA.set(data)
    try:
        yield
    finally:
        _FILE_DATA.reset(token)


def load_service_settings(cls: type[S], config_file: Path | None = None, **flags: Any) -> S:
    """``cls`` from its defaults, ``config_file`` (if any), the environment and ``flags``."""
    data: dict[str, Any] = {}
    if config_file is not None:
        data = read_settings_file(config_file)
        data = _resolve_paths(data, cls.file_relative_paths, config_file.resolve().parent)
    given = {k: v for k, v in flags.items() if v is not None}
    try:
        with _file_layer(data):
            return cls(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        prefix = str(cls.model_config.get("env_prefix", ""))
        where = f"the config file {config_file}" if config_file is not None else "the defaults"
        raise SettingsError(
            f"setting '{field}': {first['msg']} (from a flag, "
            f"{prefix}{field.split('.')[0].upper()} or {where})"
        ) from None
