"""The provider agent's settings: one JSON (or TOML) file, validated at start.

As for every service (protocol.settings): defaults < the file < GPUC_* variables < flags.
The agent shares the prefix of every gpuc command, so GPUC_RPC_URL, GPUC_MANIFEST and
GPUC_MATCHER_URL mean the same here as there (GPUC_DATA_DIR etc. set the agent's own).
Relative paths (manifest, data_dir) are from the file's folder when in the file and from
the working folder when from a variable or flag; they are made absolute, since jobs run
in other folders.

    {
      "rpc_url": "http://127.0.0.1:8545", "manifest": "deployments/31337.json",
      "matcher_url": "http://127.0.0.1:8080", "oracle_urls": ["http://127.0.0.1:8701"],
      "document_sources": ["http://127.0.0.1:8080/documents"],
      "data_dir": "provider-data",
      "offers": [{"resource": "matmul", "kind": "matmul",
                  "strategy": {"kind": "fixed", "price_wei": 10000000000000000}}]
    }

The key is not in the file: GPUC_PRIVATE_KEY (development) or a keystore (gpuc flags).
The agent re-reads ``offers[].strategy`` from the file while it runs, so an operator
re-prices by editing the file (no restart, the offers keep their place in the book).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import SettingsConfigDict

from protocol.pricing import PricingStrategy
from protocol.settings import ServiceSettings, SettingsError, load_service_settings
from provider.errors import AgentConfigError

__all__ = [
    "ENV_PREFIX",
    "AgentConfig",
    "ExecutionKind",
    "OfferConfig",
    "load_agent_config",
]

# Job kinds the agent runs for a matched order. "openai-batch" jobs are OpenAI Batch API
# files fetched from the matcher; their requests run as embeddings.
ExecutionKind = Literal["matmul", "embeddings", "container"]


class OfferConfig(BaseModel):
    """One standing offer (a limit sell) in the matcher's book."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    resource: str = Field(min_length=1, max_length=64, description="the matcher's resource id")
    kind: ExecutionKind
    strategy: PricingStrategy
    # None: the measured device throughput for the kind.
    capacity_units_per_s: float | None = Field(default=None, gt=0)
    min_job_units: int = Field(default=1, ge=1)


ENV_PREFIX = "GPUC_"


class AgentConfig(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")
    file_relative_paths = ("manifest", "data_dir")

    rpc_url: str = "http://127.0.0.1:8545"
    manifest: Path
    matcher_url: str
    oracle_urls: tuple[str, ...] = Field(min_length=1)
    # Content-addressed stores of job specs and input files: GET <source>/0x<keccak256>.
    document_sources: tuple[str, ...] = ()
    data_dir: Path
    result_port: int = Field(default=0, ge=0, le=65535)
    offers: tuple[OfferConfig, ...] = Field(min_length=1)
    # Top free stake up to this (GPUC wei) from the wallet's credits at start; 0: never stake.
    stake_wei: int = Field(default=0, ge=0)
    # Development only: `gpuc provider run` then loads gpuc.devnet.cheat (forged results).
    cheat: bool = False
    # Sign each fill's Acceptance(jobId) and post it to the matcher, so the consumer opens
    # and accepts the job in one transaction; off: the consumer opens, the agent accepts.
    sign_acceptances: bool = True
    heartbeat_s: float = Field(default=15.0, gt=0)
    poll_s: float = Field(default=0.5, gt=0)
    reprice_s: float = Field(default=5.0, gt=0)
    max_parallel_jobs: int = Field(default=2, ge=1, le=64)
    # Per-job wall limit (never past the job's deadline) and address-space limit.
    job_wall_s: float = Field(default=600.0, gt=0)
    job_memory_bytes: int = Field(default=8 * 1024**3, ge=64 * 1024**2)
    # Caps on a container task's CPUs and processes (its spec asks; these bound it).
    container_cpus: float = Field(default=2.0, gt=0, le=1024)
    container_pids: int = Field(default=256, ge=8, le=65536)
    # Device benchmark: matrix size and time budget; embeddings benchmark size (0: skip
    # it and use embeddings_per_s, since loading the model takes seconds).
    bench_matmul_n: int = Field(default=512, ge=16)
    bench_seconds: float = Field(default=0.5, gt=0)
    bench_embeddings: int = Field(default=0, ge=0)
    embeddings_per_s: float = Field(default=50.0, gt=0)
    tx_timeout_s: float = Field(default=60.0, gt=0)

    @field_validator("manifest", "data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()


def load_agent_config(path: Path, overrides: Mapping[str, Any] | None = None) -> AgentConfig:
    """Read and validate ``path`` (.json or .toml) under GPUC_* variables and
    ``overrides`` (flags; None values are not given)."""
    try:
        return load_service_settings(AgentConfig, path, **dict(overrides or {}))
    except SettingsError as exc:
        raise AgentConfigError(f"agent {exc}") from None
