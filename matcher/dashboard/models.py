"""What the dashboard endpoints answer: book depth, provider load, and the chain's view.

Chain amounts are GPUC or ETH wei and often exceed 2**53, which a browser's JSON.parse
would round: they go out as decimal strings (the page formats them with BigInt).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from protocol.compute.container_result import ContainerManifest
from protocol.wire_ints import WireUint

WeiText = Annotated[
    int, Field(ge=0), PlainSerializer(lambda v: str(v), return_type=str, when_used="json")
]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class PriceLevel(_View):
    """Live offers selling at one price."""

    price_wei: WireUint
    offers: int
    capacity_units_per_s: float
    available_units: int = Field(description="units they can still take within the horizon")


class BidLevel(_View):
    """Resting limit buys at one limit price."""

    price_wei: WireUint
    orders: int
    units: int = Field(description="units still wanted")


class BookDepth(_View):
    resource: str
    unit: str
    asks: list[PriceLevel] = Field(description="cheapest first")
    bids: list[BidLevel] = Field(description="highest limit first")
    ask_levels_total: int = Field(description="price levels on offer, shown or not")
    bid_levels_total: int = Field(description="bid levels seen (first bid_scan_limit orders)")
    live_offers: int
    resting_orders: int


class OfferLoad(_View):
    """One standing offer and how much of its capacity is already sold."""

    offer_id: str
    owner: str
    resource: str
    unit: str
    price_wei: WireUint
    capacity_units_per_s: float
    available_units: int
    utilization: float = Field(ge=0, le=1, description="share of the horizon's capacity sold")
    last_heartbeat: float
    reputation: float | None = Field(
        default=None, ge=0, le=1, description="the provider's score (docs/reputation.md)"
    )
    provisional: bool = Field(default=True, description="little history: mostly the prior")


class LLMProviderRow(_View):
    """One provider's offer of a model: its price and what it reported (provider.llm)."""

    provider: str
    offer_id: str
    price_per_1k_tokens_wei: WireUint
    supply_tokens_per_s: float = Field(description="reported, else the offer's capacity")
    demand_tokens_per_s: float
    open_sessions: int
    tokens_served: WireUint
    reported: bool = Field(description="the provider sent metrics for this offer")


class LLMMarketView(_View):
    """A model sold per 1k tokens: price now, tokens/s supply and demand, open sessions."""

    resource: str
    price_per_1k_tokens_wei: WireUint | None = Field(description="the cheapest offer now")
    supply_tokens_per_s: float
    demand_tokens_per_s: float
    open_sessions: int
    tokens_served: WireUint
    providers: list[LLMProviderRow] = Field(description="cheapest first")


class ProviderStake(_View):
    address: str
    free_wei: WeiText
    locked_wei: WeiText
    unbonding_wei: WeiText


class WalletBalance(_View):
    address: str
    eth_wei: WeiText
    credits_wei: WeiText
    claimable_wei: WeiText


# JobStatus labels (protocol.typed_data) but None, spelled out for the schema.
JobStatusName = Literal[
    "Open", "Accepted", "Delivered", "Disputed", "Settled", "Slashed", "Refunded"
]


class JobRow(_View):
    """A job as its escrow events tell it, with what its settlement moved."""

    job_id: str
    consumer: str
    provider: str
    status: JobStatusName
    budget_wei: WeiText
    price_per_unit_wei: WeiText
    units: int | None = Field(description="units delivered or settled, once known")
    paid_wei: WeiText = Field(description="to the provider, after fee and burn")
    returned_wei: WeiText = Field(description="to the consumer: unused budget, compensation")
    slashed_wei: WeiText = Field(description="taken from the provider's stake")
    paid_out: bool = Field(
        default=False,
        description="a settled job's paid and returned amounts were credited (payOut);"
        " until then they are owed",
    )
    opened_block: int
    updated_block: int
    result_hash: str | None = Field(
        default=None,
        description="keccak256 of the delivered result (0x hex), once a receipt names it",
    )


ChainStatus = Literal["connected", "unreachable", "none"]


class ChainSnapshot(_View):
    status: ChainStatus
    message: str | None = None
    chain_id: int | None = None
    block: int | None = None
    block_time: int | None = None
    escrow: str | None = None
    providers: list[ProviderStake] = []
    wallets: list[WalletBalance] = []
    jobs: list[JobRow] = []
    jobs_seen: int = Field(default=0, description="jobs opened since the view started")


NO_CHAIN = ChainSnapshot(
    status="none",
    message="no chain connected: start the matcher with a chain view to see stakes and jobs",
)


LOG_TAIL_BYTES = 4096


class ContainerResultView(_View):
    """A container job's result archive as the document store holds it: its checked
    manifest (exit code, resource use, log and output hashes) and the log's tail."""

    result_hash: str = Field(description="keccak256 of the archive, 0x hex")
    archive_bytes: int
    manifest: ContainerManifest
    log_bytes: int
    log_tail: str = Field(description=f"the log's last {LOG_TAIL_BYTES} bytes, UTF-8 (lossy)")
