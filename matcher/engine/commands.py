"""Every change to the market as a command: what the log stores and replays."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from matcher.book.order import OrderKind
from matcher.routing.table import ProviderRouting
from protocol.pricing import PricingStrategy
from protocol.reputation.routing import RoutingPreference
from protocol.wire.llm_offer import LLMListing


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegisterOffer(_Command):
    type: Literal["register_offer"] = "register_offer"
    offer_id: str
    owner: str
    resource: str
    strategy: PricingStrategy
    capacity_units_per_s: float
    min_job_units: int
    llm: LLMListing | None = None


class UpdateOffer(_Command):
    type: Literal["update_offer"] = "update_offer"
    offer_id: str
    owner: str
    strategy: PricingStrategy | None = None
    capacity_units_per_s: float | None = None
    min_job_units: int | None = None


class Heartbeat(_Command):
    type: Literal["heartbeat"] = "heartbeat"
    offer_id: str
    owner: str


class WithdrawOffer(_Command):
    type: Literal["withdraw_offer"] = "withdraw_offer"
    offer_id: str
    owner: str


class PlaceOrder(_Command):
    type: Literal["place_order"] = "place_order"
    order_id: str
    owner: str
    resource: str
    kind: OrderKind
    units: int
    max_price_wei: int
    spec: str
    all_or_none: bool = False
    exclude_providers: tuple[str, ...] = ()
    routing: RoutingPreference | None = None
    # The client's Idempotency-Key: a retry with the same key returns the first order.
    client_key: str | None = None


class SetRouting(_Command):
    """Providers' reputations as read from the chain: the book ranks with them."""

    type: Literal["set_routing"] = "set_routing"
    providers: tuple[ProviderRouting, ...]


class PostAcceptance(_Command):
    """A provider's EIP-712 acceptance of one of its fills' terms (protocol.wire.acceptance)."""

    type: Literal["post_acceptance"] = "post_acceptance"
    fill_id: str
    provider: str
    signature: str


class CancelOrder(_Command):
    type: Literal["cancel_order"] = "cancel_order"
    order_id: str
    owner: str


class RegisterApiKey(_Command):
    type: Literal["register_api_key"] = "register_api_key"
    key_id: str
    owner: str
    expires_at: int


class RevokeApiKey(_Command):
    type: Literal["revoke_api_key"] = "revoke_api_key"
    key_id: str
    owner: str
    # Set when the key was never registered: it is registered revoked.
    expires_at: int | None = None


class Sweep(_Command):
    """Time passed and changed the book (expired heartbeats, demand, batches)."""

    type: Literal["sweep"] = "sweep"


class CreateBatch(_Command):
    type: Literal["create_batch"] = "create_batch"
    batch_id: str
    order: PlaceOrder
    input_file_id: str
    endpoint: str
    completion_window: str
    completion_window_s: float
    metadata: dict[str, str]
    total_requests: int
    # Bad lines of the input file: the batch is created `failed` and buys nothing.
    errors: list[dict[str, str | int | None]] = []


class RetryBatchLines(_Command):
    """The provider failed some of a batch's lines: place them again elsewhere."""

    type: Literal["retry_batch_lines"] = "retry_batch_lines"
    batch_id: str
    provider: str
    order: PlaceOrder
    input_file_id: str
    answered: tuple[str, ...]


class CancelBatch(_Command):
    type: Literal["cancel_batch"] = "cancel_batch"
    batch_id: str
    owner: str


class CompleteBatch(_Command):
    type: Literal["complete_batch"] = "complete_batch"
    batch_id: str
    provider: str
    output_file_id: str | None
    error_file_id: str | None
    completed: int
    failed: int


Command = Annotated[
    RegisterOffer
    | UpdateOffer
    | Heartbeat
    | WithdrawOffer
    | PlaceOrder
    | CancelOrder
    | Sweep
    | CreateBatch
    | CancelBatch
    | CompleteBatch
    | SetRouting
    | PostAcceptance
    | RetryBatchLines
    | RegisterApiKey
    | RevokeApiKey,
    Field(discriminator="type"),
]
command_adapter: TypeAdapter[Command] = TypeAdapter(Command)
