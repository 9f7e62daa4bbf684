"""The oracle operator's configuration: a TOML file, GPUC_ORACLE_* variables, overrides.

Priority: overrides (command-line flags) > environment > file > defaults, the pattern
of every service (protocol.settings). Relative paths in the file are relative to the
file's folder, so a config directory can be moved as a whole.

    rpc_url = "http://127.0.0.1:8545"
    keystore = "oracle-1.json"          # password from $GPUC_KEYSTORE_PASSWORD
    db_path = "oracle-1.db"
    listen_port = 8701                  # always on 127.0.0.1
    confirmations = 2
    [[peers]]
    address = "0x..."
    url = "http://127.0.0.1:8702"
    matcher_url = "http://127.0.0.1:8080"   # optional: peers from the members' endpoints
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from eth_utils.address import to_checksum_address
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import SettingsConfigDict

from oracles.errors import OracleConfigError
from oracles.result_fetch import DEFAULT_MAX_RESULT_BYTES, DEFAULT_TIMEOUT_SECONDS
from protocol.settings import ServiceSettings, SettingsError, load_service_settings
from protocol.wire.fields import Address, HttpUrl

__all__ = ["ENV_PREFIX", "OracleConfig", "PeerConfig", "load_oracle_config"]

ENV_PREFIX = "GPUC_ORACLE_"
LOOPBACK = "127.0.0.1"

# Units per second a provider is held to when nothing more specific is configured:
# above any single GPU today (H100 dense TF32 is ~500 TFLOP/s = 500,000 GFLOP/s), so
# only impossible claims fail.
# A container unit is one second of wall time: one unit per second, whatever the hardware.
DEFAULT_THROUGHPUT = {"matmul": 1_000_000.0, "embeddings": 50_000.0, "container": 1.0}


class PeerConfig(BaseModel):
    """Another committee member's oracle: its signer address and API URL."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: Address
    url: HttpUrl

    @property
    def base(self) -> str:
        return self.url.rstrip("/")


class OracleConfig(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)
    file_relative_paths = ("keystore", "db_path", "audit_log", "manifest", "deployments_dir")

    # Chain and deployment.
    rpc_url: HttpUrl = "http://127.0.0.1:8545"
    chain_id: int | None = Field(default=None, gt=0)
    manifest: Path | None = None
    deployments_dir: Path = Path("deployments")
    # Key: a keystore (password in $password_env) or, for development, a hex key in $key_env.
    keystore: Path | None = None
    password_env: str = "GPUC_KEYSTORE_PASSWORD"
    key_env: str = "GPUC_PRIVATE_KEY"
    # State and logs.
    db_path: Path = Path("oracle.db")
    audit_log: Path | None = None
    # HTTP API on 127.0.0.1; 0 takes a free port (printed in the "api_listening" line).
    listen_port: int = Field(default=0, ge=0, le=65535)
    peers: tuple[PeerConfig, ...] = ()
    peer_timeout: float = Field(default=2.0, gt=0)
    # The matcher whose /api/oracles lists the members' endpoints (`gpuc oracle join`):
    # with it, every member that publishes one is a peer too, read again every
    # peer_refresh_s seconds and soon after a peer does not answer.
    matcher_url: HttpUrl | None = None
    peer_refresh_s: float = Field(default=30.0, gt=0)
    # Watching.
    confirmations: int = Field(default=2, ge=1, description="blocks, counting the event's own")
    start_block: int | None = Field(default=None, ge=0, description="default: the deployment's")
    poll_interval: float = Field(default=0.1, gt=0)
    # Settling.
    fallback_after: float = Field(
        default=10.0, ge=0, description="seconds each next member in the rotation waits"
    )
    batch_max: int = Field(default=16, ge=1)
    batch_wait: float = Field(
        default=0.0, ge=0, description="seconds a due settlement waits for others to batch with"
    )
    optimistic_release: Literal["finalize", "settle"] = "finalize"
    settle_and_pay_out: bool = Field(
        default=True,
        description="a release settled on its own also pays out in the same transaction "
        "(settleAndPayOut: the provider is paid at once, no payOut later); batches keep "
        "settleBatch",
    )
    tx_confirmations: int = Field(default=1, ge=1)
    replace_after: float = Field(default=30.0, gt=0, description="seconds before a fee bump")
    fee_bump: float = Field(default=1.25, ge=1.125, description="nodes want >= +12.5 %")
    max_fee_per_gas: int | None = Field(default=None, gt=0, description="cap for fee bumps")
    # Verifying.
    result_max_bytes: int = Field(default=DEFAULT_MAX_RESULT_BYTES, gt=0)
    fetch_timeout: float = Field(default=DEFAULT_TIMEOUT_SECONDS, gt=0)
    fetch_retry_for: float = Field(
        default=600.0, ge=0, description="seconds to keep retrying an unreachable result"
    )
    matmul_vectors: int = Field(default=20, ge=1)
    # Share of deterministic container tasks this oracle re-runs (oracles.verify.container).
    container_rerun_share: float = Field(default=0.25, ge=0.0, le=1.0)
    throughput: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_THROUGHPUT))
    provider_throughput: dict[Address, dict[str, float]] = Field(default_factory=dict)

    @property
    def listen_host(self) -> str:
        return LOOPBACK

    def units_per_second(self, provider: str, kind: str) -> float:
        """The throughput ``provider`` is held to for ``kind``."""
        own = self.provider_throughput.get(to_checksum_address(provider), {})
        rate = own.get(kind, self.throughput.get(kind))
        if rate is None or rate <= 0:
            raise OracleConfigError(
                f"no positive throughput configured for job kind {kind!r}: add it to "
                "`throughput` in the oracle config"
            )
        return rate


def load_oracle_config(path: Path | None = None, **overrides: Any) -> OracleConfig:
    """The config from ``path`` (if any), GPUC_ORACLE_* variables and ``overrides``
    (None values are ignored). Raises OracleConfigError naming the bad setting."""
    try:
        return load_service_settings(OracleConfig, path, **overrides)
    except SettingsError as exc:
        raise OracleConfigError(f"oracle {exc}") from None
