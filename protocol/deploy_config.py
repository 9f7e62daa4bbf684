"""Parameters of a deployment, with the dev defaults of contracts/test/utils/Fixture.sol."""

from __future__ import annotations

from typing import Annotated

from eth_utils.address import to_checksum_address
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

__all__ = ["ETH_RESERVE", "DeployConfig"]

ETH_RESERVE = "0x0000000000000000000000000000000000000000"
_HOUR = 3600
_DAY = 24 * _HOUR


def _checksum(value: str) -> str:
    try:
        return to_checksum_address(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not an address: {value!r}") from exc


Address = Annotated[str, AfterValidator(_checksum)]
Bps = Annotated[int, Field(ge=0)]


class DeployConfig(BaseModel):
    """What to deploy. Caps (fee + burn, spread, unbonding vs. windows) are the contracts'
    to enforce: a bad value reverts in the preflight with the contract's own error."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reserve_asset: Address = ETH_RESERVE
    # 1 GPUC = 0.001 ETH: reserve wei per 1e18 credit wei.
    reserve_per_credit: int = Field(default=10**15, ge=0)
    spread_bps: Bps = 50
    fee_bps: Bps = 100
    burn_bps: Bps = 50
    collateral_bps: Bps = 5_000
    slash_burn_bps: Bps = 5_000
    dispute_window: int = Field(default=_HOUR, ge=0)
    max_job_duration: int = Field(default=7 * _DAY, ge=0)
    unbonding_delay: int = Field(default=14 * _DAY, ge=0)
    # None: the deployer.
    treasury: Address | None = None
    owner: Address | None = None
    committee_members: tuple[Address, ...] = ()
    committee_threshold: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _distinct_members(self) -> DeployConfig:
        if len(set(self.committee_members)) != len(self.committee_members):
            raise ValueError("committee members must be distinct")
        return self
