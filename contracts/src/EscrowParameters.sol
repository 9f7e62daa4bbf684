// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IGPUCredit} from "./interfaces/IGPUCredit.sol";
import {IJobEscrow} from "./interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "./interfaces/IOracleCommittee.sol";
import {IProviderStaking} from "./interfaces/IProviderStaking.sol";

/// @title The escrow's parameters and the money rules they set
/// @notice Every parameter is fixed at deployment and checked once, here; the rules that turn
/// a budget into collateral, a dispute bond, a release split or a slash split live beside them,
/// so JobEscrow is left with the job state machine and the moving of money.
abstract contract EscrowParameters is IJobEscrow {
    uint256 internal constant BPS = 10_000;
    uint256 public constant MAX_FEE_BPS = 2_000;

    IGPUCredit public immutable credit;
    IProviderStaking public immutable staking;
    IOracleCommittee public immutable committee;
    address public immutable treasury;
    /// @notice Protocol fee and burn, in bps of what the provider is paid.
    uint256 public immutable feeBps;
    uint256 public immutable burnBps;
    /// @notice Collateral per job, in bps of the budget.
    uint256 public immutable collateralBps;
    /// @notice Share of slashed stake left after compensation that is burnt; the rest goes to the treasury.
    uint256 public immutable slashBurnBps;
    /// @notice Seconds after a receipt in which it can be disputed; also the verdict grace after
    /// the deadline before a non-delivery slash.
    uint256 public immutable disputeWindow;
    /// @notice Seconds the committee has for a verdict, counted from the dispute (so a late
    /// dispute does not shorten it); after it `finalize` settles the job as the receipt said.
    uint256 public immutable verdictWindow;
    /// @notice Dispute bond, in bps of the budget (at least 1 bps, rounded up).
    uint256 public immutable disputeBondBps;
    /// @notice Compensation cap on a fault, in bps of the budget: the consumer gets its budget
    /// back plus min(slashed collateral, budget x compensationCapBps); the rest of the slash is
    /// burnt (slashBurnBps) or goes to the treasury.
    uint256 public immutable compensationCapBps;
    /// @notice Longest allowed time from open to deadline.
    uint256 public immutable maxJobDuration;

    struct Config {
        IGPUCredit credit;
        IProviderStaking staking;
        IOracleCommittee committee;
        address treasury;
        uint256 feeBps;
        uint256 burnBps;
        uint256 collateralBps;
        uint256 slashBurnBps;
        uint256 disputeWindow;
        uint256 maxJobDuration;
        uint256 verdictWindow;
        uint256 disputeBondBps;
        uint256 compensationCapBps;
    }

    constructor(Config memory c) {
        if (address(c.credit) == address(0)) revert ZeroAddress(EscrowParam.Credit);
        if (address(c.staking) == address(0)) revert ZeroAddress(EscrowParam.Staking);
        if (address(c.committee) == address(0)) revert ZeroAddress(EscrowParam.Committee);
        if (c.treasury == address(0)) revert ZeroAddress(EscrowParam.Treasury);
        if (c.feeBps + c.burnBps > MAX_FEE_BPS) {
            revert BpsTooHigh(EscrowParam.FeePlusBurn, c.feeBps + c.burnBps, MAX_FEE_BPS);
        }
        if (c.collateralBps > 10 * BPS) revert BpsTooHigh(EscrowParam.Collateral, c.collateralBps, 10 * BPS);
        if (c.slashBurnBps > BPS) revert BpsTooHigh(EscrowParam.SlashBurn, c.slashBurnBps, BPS);
        if (c.disputeBondBps == 0) revert BpsTooLow(EscrowParam.DisputeBond, 0, 1);
        if (c.disputeBondBps > BPS) revert BpsTooHigh(EscrowParam.DisputeBond, c.disputeBondBps, BPS);
        if (c.compensationCapBps > 10 * BPS) {
            revert BpsTooHigh(EscrowParam.CompensationCap, c.compensationCapBps, 10 * BPS);
        }
        // A zero dispute window lets a receipt finalize in its own block: nobody could dispute.
        if (c.disputeWindow == 0) revert ZeroWindow(EscrowParam.DisputeWindow);
        if (c.verdictWindow == 0) revert ZeroWindow(EscrowParam.VerdictWindow);
        // A verdict can come up to deadline + disputeWindow + verdictWindow; stake must not escape before.
        uint256 required = c.maxJobDuration + c.disputeWindow + c.verdictWindow;
        uint256 delay = c.staking.unbondingDelay();
        if (delay <= required) revert UnbondingTooShort(delay, required);
        credit = c.credit;
        staking = c.staking;
        committee = c.committee;
        treasury = c.treasury;
        feeBps = c.feeBps;
        burnBps = c.burnBps;
        collateralBps = c.collateralBps;
        slashBurnBps = c.slashBurnBps;
        disputeWindow = c.disputeWindow;
        maxJobDuration = c.maxJobDuration;
        verdictWindow = c.verdictWindow;
        disputeBondBps = c.disputeBondBps;
        compensationCapBps = c.compensationCapBps;
    }

    /// @inheritdoc IJobEscrow
    function collateralFor(uint256 budget) external view returns (uint256) {
        return _collateral(budget);
    }

    /// @inheritdoc IJobEscrow
    function disputeBondFor(uint256 budget) external view returns (uint256) {
        return _bond(budget);
    }

    /// @inheritdoc IJobEscrow
    function compensationCapFor(uint256 budget) external view returns (uint256) {
        return _compensationCap(budget);
    }

    /// @dev Rounded up: a non-zero budget and ratio always lock (and can lose) something.
    /// Budgets are uint96 and bps at most 10 x 10_000, so the product cannot overflow (the
    /// 512-bit mulDiv is not needed; a product that did overflow would revert, not wrap).
    function _collateral(uint256 budget) internal view returns (uint256) {
        return Math.ceilDiv(budget * collateralBps, BPS);
    }

    /// @dev Rounded up, as the collateral.
    function _bond(uint256 budget) internal view returns (uint256) {
        return Math.ceilDiv(budget * disputeBondBps, BPS);
    }

    function _compensationCap(uint256 budget) internal view returns (uint256) {
        return budget * compensationCapBps / BPS;
    }

    /// @dev What a release of `units` pays: provider net, consumer refund, fee, burn.
    function _split(JobTerms calldata terms, uint256 units)
        internal
        view
        returns (uint256 net, uint256 refundAmount, uint256 fee, uint256 burn)
    {
        uint256 pay = units * terms.pricePerUnit;
        fee = pay * feeBps / BPS;
        burn = pay * burnBps / BPS;
        net = pay - fee - burn;
        refundAmount = terms.budget - pay;
    }

    /// @dev Where a job's slashed collateral goes: compensation to the consumer first (up to
    /// the cap), the rest burnt (slashBurnBps) or to the treasury.
    function _slashSplit(uint256 budget)
        internal
        view
        returns (uint256 slashed, uint256 compensation, uint256 burnt, uint256 toTreasury)
    {
        slashed = _collateral(budget);
        uint256 cap = _compensationCap(budget);
        compensation = slashed < cap ? slashed : cap;
        uint256 rest = slashed - compensation;
        burnt = rest * slashBurnBps / BPS;
        toTreasury = rest - burnt;
    }
}
