"""What the local market runs: accounts, contract windows, the three providers and their
pricing, and how fast things poll. Defaults suit a demo; tests shorten the windows."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from protocol.amounts import CREDIT_UNIT
from protocol.failover import FailoverPolicy
from protocol.pricing import (
    CostBasedPricing,
    FixedPricing,
    PricingStrategy,
    UtilizationSigmoidPricing,
)

__all__ = [
    "CONTAINER_RESOURCE",
    "EMBEDDINGS_RESOURCE",
    "MATMUL_RESOURCE",
    "LLMProviderPlan",
    "MarketPlan",
    "ProviderPlan",
    "default_providers",
]

MATMUL_RESOURCE = "matmul"
CONTAINER_RESOURCE = "container-cpu"
EMBEDDINGS_RESOURCE = "all-minilm-l6-v2"
MILLI = CREDIT_UNIT // 1000  # 0.001 GPUC


class ProviderPlan(BaseModel):
    """One provider agent: which dev account it uses and how it prices each resource."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9-]{1,32}$")
    account: int = Field(ge=0)
    matmul: PricingStrategy
    embeddings: PricingStrategy
    # Per CPU-second of a container task; None: this provider sells no container time.
    container: PricingStrategy | None = None
    cheat: bool = False
    sign_acceptances: bool = True  # off: its jobs start by open + accept (two transactions)


class LLMProviderPlan(BaseModel):
    """One ``gpuc llm serve`` process: the real model, sold per token from sessions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9-]{1,32}$")
    account: int = Field(ge=0)
    price_per_1k_tokens: str = "1"
    cheat: str | None = None
    # Seconds without a request before the provider closes a session with its bill.
    close_idle_s: float = Field(default=30.0, ge=1)
    # Also offer the model in the matcher's book and run Batch API chat jobs at its price.
    sell_batches: bool = True


def default_providers() -> tuple[ProviderPlan, ...]:
    """Three pricing styles side by side (GPUC wei per unit: per GFLOP, per input)."""
    return (
        ProviderPlan(
            name="fixed",
            account=2,
            matmul=FixedPricing(price_wei=20 * MILLI),
            embeddings=FixedPricing(price_wei=2 * MILLI),
            container=FixedPricing(price_wei=MILLI),
        ),
        ProviderPlan(
            name="cost-based",
            account=4,
            matmul=CostBasedPricing(energy_cost_wei=10 * MILLI, margin_wei=5 * MILLI),
            embeddings=CostBasedPricing(energy_cost_wei=MILLI, margin_wei=MILLI // 2),
        ),
        ProviderPlan(
            name="sigmoid",
            account=5,
            matmul=UtilizationSigmoidPricing(p_min_wei=5 * MILLI, p_max_wei=50 * MILLI),
            embeddings=UtilizationSigmoidPricing(p_min_wei=MILLI // 2, p_max_wei=5 * MILLI),
        ),
    )


class MarketPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    providers: tuple[ProviderPlan, ...] = Field(default_factory=default_providers)
    # LLM providers (each loads the model: ~1 GB of memory; `gpuc up` runs one).
    llm_providers: tuple[LLMProviderPlan, ...] = ()
    llm_startup_timeout_s: float = Field(default=600.0, gt=0)
    accounts: int = Field(default=12, ge=10)
    consumer_account: int = 1
    committee: int = Field(default=3, ge=1)
    threshold: int = Field(default=2, ge=1)
    # Contract windows (seconds). unbonding must outlast max job duration + 2 windows.
    dispute_window_s: int = Field(default=60, ge=1)
    max_job_duration_s: int = Field(default=86_400, gt=0)
    # Matcher: how long a matched provider has to accept, and the slack past the run time.
    accept_window_s: int = Field(default=120, gt=0)
    deadline_grace_s: int = Field(default=120, ge=0)
    heartbeat_ttl_s: float = Field(default=60.0, gt=0)
    # Money (GPUC wei).
    consumer_credits: int = Field(default=1000 * CREDIT_UNIT, gt=0)
    provider_credits: int = Field(default=500 * CREDIT_UNIT, gt=0)
    provider_stake: int = Field(default=400 * CREDIT_UNIT, gt=0)
    # Agents.
    agent_heartbeat_s: float = Field(default=10.0, gt=0)
    agent_poll_s: float = Field(default=0.3, gt=0)
    agent_reprice_s: float = Field(default=1.0, gt=0)
    agent_parallel_jobs: int = Field(default=2, ge=1)
    bench_matmul_n: int = Field(default=256, ge=16)
    bench_seconds: float = Field(default=0.2, gt=0)
    embeddings_per_s: float = Field(default=20.0, gt=0)
    # Oracles.
    oracle_poll_s: float = Field(default=0.1, gt=0)
    oracle_confirmations: int = Field(default=1, ge=1)
    # Every deterministic container task is re-run in the local market (a real committee
    # samples a share: protocol-types.md).
    oracle_container_rerun_share: float = Field(default=1.0, ge=0.0, le=1.0)
    # anvil mines each transaction at once and, with a block time, also an empty block
    # every block_time_s (so chain time moves on when nothing happens: dispute windows end).
    block_time_s: int | None = Field(default=1, ge=1)
    # Open the dev consumer's matched jobs on chain from this process.
    open_consumer_jobs: bool = True
    # Also scan every offer's fills for the consumer's (finds OpenAI batches, which the
    # consumer places with an API key, not through the opener); costs a request per offer.
    opener_scans_offers: bool = True
    opener_poll_s: float = Field(default=0.5, gt=0)
    # The consumer's automatic failover (None: a failed job waits for the consumer).
    failover: FailoverPolicy | None = Field(default_factory=FailoverPolicy)
    startup_timeout_s: float = Field(default=90.0, gt=0)
