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
    # None: as long as the dispute window. Counted from the dispute (docs/disputes.md).
    verdict_window: int | None = Field(default=None, ge=0)
    # The consumer's dispute bond, in bps of the budget; the provider's unless a fault is proven.
    dispute_bond_bps: Bps = 1_000
    # Most a fault compensates the consumer beyond its budget, in bps of the budget.
    compensation_cap_bps: Bps = 2_500
    max_job_duration: int = Field(default=7 * _DAY, ge=0)
    unbonding_delay: int = Field(default=14 * _DAY, ge=0)
    # None: the deployer.
    treasury: Address | None = None
    owner: Address | None = None
    committee_members: tuple[Address, ...] = ()
    committee_threshold: int = Field(default=1, ge=0)

    @property
    def effective_verdict_window(self) -> int:
        return self.dispute_window if self.verdict_window is None else self.verdict_window

    @model_validator(mode="after")
    def _distinct_members(self) -> DeployConfig:
        if len(set(self.committee_members)) != len(self.committee_members):
            raise ValueError("committee members must be distinct")
        return self


# The contracts' constructor limits, checked before the first deployment transaction so a
# bad value cannot leave half a deployment behind.
MAX_SPREAD_BPS = 1_000
MAX_FEE_PLUS_BURN_BPS = 2_000
MAX_COLLATERAL_BPS = 100_000
MAX_SLASH_BURN_BPS = 10_000
MAX_DISPUTE_BOND_BPS = 10_000
MAX_COMPENSATION_CAP_BPS = 100_000


def deploy_config_problems(config: DeployConfig, members: int) -> list[str]:
    """What the constructors would reject, each with its fix (empty when deployable)."""
    problems = []
    if config.reserve_per_credit == 0:
        problems.append("reserve_per_credit is 0: set the reserve paid per credit (e.g. 1e15)")
    if config.spread_bps > MAX_SPREAD_BPS:
        problems.append(f"spread_bps {config.spread_bps} is above {MAX_SPREAD_BPS}: lower it")
    if config.fee_bps + config.burn_bps > MAX_FEE_PLUS_BURN_BPS:
        problems.append(
            f"fee_bps + burn_bps = {config.fee_bps + config.burn_bps} is above "
            f"{MAX_FEE_PLUS_BURN_BPS}: lower them"
        )
    if config.collateral_bps > MAX_COLLATERAL_BPS:
        problems.append(f"collateral_bps {config.collateral_bps} is above {MAX_COLLATERAL_BPS}")
    if config.slash_burn_bps > MAX_SLASH_BURN_BPS:
        problems.append(f"slash_burn_bps {config.slash_burn_bps} is above {MAX_SLASH_BURN_BPS}")
    if config.dispute_window == 0:
        problems.append(
            "dispute_window is 0: a receipt could finalize in its own block and nobody could "
            "dispute it; give it at least 1 s"
        )
    if config.verdict_window == 0:
        problems.append("verdict_window is 0: the committee would have no time for a verdict")
    if not 1 <= config.dispute_bond_bps <= MAX_DISPUTE_BOND_BPS:
        problems.append(
            f"dispute_bond_bps {config.dispute_bond_bps} is not within 1..{MAX_DISPUTE_BOND_BPS}"
            " (a free dispute makes griefing free)"
        )
    if config.compensation_cap_bps > MAX_COMPENSATION_CAP_BPS:
        problems.append(
            f"compensation_cap_bps {config.compensation_cap_bps} is above "
            f"{MAX_COMPENSATION_CAP_BPS}"
        )
    verdict_window = config.effective_verdict_window
    required = config.max_job_duration + config.dispute_window + verdict_window
    if config.unbonding_delay <= required:
        problems.append(
            f"unbonding_delay {config.unbonding_delay} s must exceed max_job_duration + "
            f"dispute_window + verdict_window = {required} s: lengthen it"
        )
    if not 1 <= config.committee_threshold <= members:
        problems.append(
            f"committee_threshold {config.committee_threshold} is not within 1..{members} "
            "(the number of members)"
        )
    if ETH_RESERVE in config.committee_members:
        problems.append("the zero address cannot be a committee member")
    return problems
