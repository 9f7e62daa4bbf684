"""Settings of one matcher instance: defaults < settings file < GPUC_MATCHER_* < flags
(protocol.settings; the one entry point is `gpuc matcher run`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from matcher.book.config import BookConfig
from protocol.settings import ServiceSettings


class MatcherSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GPUC_MATCHER_", frozen=True, extra="forbid")
    file_relative_paths = ("static_dir",)

    database_url: str = "sqlite:///gpuc-matcher.db"
    chain_id: int = Field(default=31337, gt=0)
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, lt=65536)
    book: BookConfig = BookConfig()
    max_signature_ttl_s: float = Field(default=3600.0, gt=0)
    rate_limit_per_s: float = Field(default=100.0, gt=0)
    rate_limit_burst: float = Field(default=200.0, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, gt=0)
    max_file_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # An API key is a bearer credential: it may live at most this long from now.
    max_api_key_lifetime_s: float = Field(default=31 * 86_400.0, gt=0)
    sweep_interval_s: float = Field(default=1.0, gt=0)
    # Snapshot the book (and compact the log up to it) after this many new commands,
    # and at a clean stop: a restart replays only what came after the last snapshot.
    snapshot_every_commands: int = Field(default=20_000, gt=0)
    # The dashboard (a later issue) is served from here at /dashboard when set.
    static_dir: Path | None = None
