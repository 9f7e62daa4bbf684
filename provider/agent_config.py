"""The provider agent's settings: one JSON (or TOML) file, validated at start.

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

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protocol.pricing import PricingStrategy
from provider.errors import AgentConfigError

__all__ = [
    "ENV_OVERRIDES",
    "AgentConfig",
    "ExecutionKind",
    "OfferConfig",
    "env_overrides",
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


class AgentConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

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


# The environment variables every gpuc command honours, and the agent's fields they set.
ENV_OVERRIDES = {
    "GPUC_RPC_URL": "rpc_url",
    "GPUC_MANIFEST": "manifest",
    "GPUC_MATCHER_URL": "matcher_url",
}


def env_overrides(environ: Mapping[str, str]) -> dict[str, str]:
    """The agent settings GPUC_* variables set (as for every gpuc command)."""
    return {field: environ[var] for var, field in ENV_OVERRIDES.items() if environ.get(var)}


def load_agent_config(path: Path, overrides: Mapping[str, Any] | None = None) -> AgentConfig:
    """Read and validate ``path`` (.json or .toml); relative paths are from its folder.
    ``overrides`` (flags, GPUC_* variables: see env_overrides) replace the file's values."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AgentConfigError(f"cannot read the agent config {path}: {exc}") from None
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise AgentConfigError(f"the agent config {path} is not valid: {exc}") from None
    if not isinstance(data, dict):
        raise AgentConfigError(f"the agent config {path} must be an object of settings")
    for key in ("manifest", "data_dir"):
        value = data.get(key)
        if isinstance(value, str) and not Path(value).is_absolute():
            data[key] = str(path.resolve().parent / value)  # absolute: jobs run elsewhere
    for key, value in (overrides or {}).items():  # relative to where the command runs
        if value is not None:
            data[key] = str(Path(value).resolve()) if key in ("manifest", "data_dir") else value
    try:
        return AgentConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise AgentConfigError(f"agent config {path}: {where}: {first['msg']}") from None
