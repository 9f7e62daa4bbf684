// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AttackBase} from "./AttackBase.sol";
import {EscrowParameters} from "../../src/EscrowParameters.sol";
import {JobEscrow} from "../../src/JobEscrow.sol";
import {ProviderStaking} from "../../src/ProviderStaking.sol";
import {IGPUCredit} from "../../src/interfaces/IGPUCredit.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice design.md §3 attack: front-running a slash by unbonding. A provider that sees a fault
/// verdict (or its non-delivery deadline) coming and rushes to unbond keeps nothing it owes:
/// job collateral is locked and cannot be unbonded, unbonding stake stays slashable until it
/// is withdrawn, and the unbonding delay outlasts every window in which a slash can come.
contract SlashFrontRunAttackTest is AttackBase {
    function setUp() public override {
        super.setUp();
        fund(consumer, 1_000e18);
        fundAndStake(provider, 100e18);
    }

    function test_UnbondingBeforeAFaultVerdictKeepsNoCollateral() public {
        IJobEscrow.JobTerms memory t = terms(100e18, 1e18);
        bytes32 jobId = openAndAccept(t);
        uint256 collateral = escrow.collateralFor(t.budget);
        assertEq(collateral, 50e18, "half the budget is locked");

        // the verdict is in the mempool: the provider tries to pull everything out first
        vm.startPrank(provider);
        vm.expectRevert(abi.encodeWithSelector(IProviderStaking.InsufficientStake.selector, provider, 50e18, 100e18));
        staking.requestUnbond(100e18);
        staking.requestUnbond(50e18); // all it can: the free part
        vm.expectRevert(
            abi.encodeWithSelector(
                IProviderStaking.UnbondingNotReady.selector,
                provider,
                block.timestamp + UNBONDING_DELAY,
                block.timestamp
            )
        );
        staking.withdraw();
        vm.stopPrank();

        settleFault(t, jobId);

        IProviderStaking.StakeAccount memory s = staking.stakeOf(provider);
        assertEq(s.locked, 0, "collateral released");
        assertEq(s.free, 0, "nothing free");
        assertEq(s.unbonding, 50e18, "only the never-locked stake leaves");
        // The whole collateral was taken: the capped part compensates the consumer, the rest is accrued.
        assertEq(escrow.claimable(consumer), t.budget + escrow.compensationCapFor(t.budget), "budget + capped compensation");
        (uint128 fees, uint128 burns) = escrow.accrued();
        assertEq(uint256(fees) + burns, collateral - escrow.compensationCapFor(t.budget), "rest of the collateral accrued");
    }

    function test_UnbondingBeforeNonDeliveryKeepsNoCollateral() public {
        IJobEscrow.JobTerms memory t = terms(100e18, 1e18);
        openAndAccept(t);
        vm.prank(provider);
        staking.requestUnbond(50e18);
        vm.warp(uint256(t.deadline) + DISPUTE_WINDOW + 1);
        vm.prank(stranger);
        escrow.slashNonDelivery(t);
        assertEq(escrow.claimable(consumer), t.budget + 25e18, "the capped compensation reaches the consumer");
        (uint128 fees, uint128 burns) = escrow.accrued();
        assertEq(uint256(fees) + burns, 25e18, "and the rest of the whole collateral is accrued");
        assertEq(staking.stakeOf(provider).unbonding, 50e18, "the unlocked stake is still unbonding");
    }

    /// @notice Through the staking contract itself (its escrow here is this test): a slash
    /// larger than the job's collateral takes unbonding stake before free stake, so stake that
    /// was rushed into unbonding is still there to be taken.
    function test_SlashReachesStakeRushedIntoUnbonding() public {
        ProviderStaking s = new ProviderStaking(gpuc, UNBONDING_DELAY, admin);
        vm.prank(admin);
        s.setEscrow(address(this));
        fund(provider, 100e18);
        vm.startPrank(provider);
        gpuc.approve(address(s), 100e18);
        s.stake(100e18);
        vm.stopPrank();
        s.lock(provider, 20e18);
        vm.prank(provider);
        s.requestUnbond(70e18); // front-run: 70 rushed into unbonding, 10 left free

        uint256 slashed = s.slash(provider, 20e18, 75e18);

        assertEq(slashed, 75e18, "the whole amount was found");
        IProviderStaking.StakeAccount memory a = s.stakeOf(provider);
        assertEq(a.locked, 0, "collateral taken");
        assertEq(a.unbonding, 15e18, "55 of the unbonding stake taken");
        assertEq(a.free, 10e18, "free stake untouched while unbonding covered it");
        assertEq(gpuc.balanceOf(address(this)), 75e18, "the escrow received the slash");

        // even past maturity, a slash before the withdrawal still reaches it
        vm.warp(block.timestamp + UNBONDING_DELAY);
        s.lock(provider, 10e18);
        assertEq(s.slash(provider, 10e18, 1_000e18), 25e18, "capped at everything reachable");
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(IProviderStaking.NothingUnbonding.selector, provider));
        s.withdraw();
    }

    /// @notice The escrow refuses a staking contract whose unbonding delay is not longer than
    /// the latest moment a slash can come (deadline + two dispute windows).
    function test_RevertWhen_UnbondingDelayDoesNotOutlastTheSlashWindow() public {
        uint256 required = MAX_JOB_DURATION + DISPUTE_WINDOW + VERDICT_WINDOW;
        ProviderStaking short = new ProviderStaking(gpuc, required, admin);
        EscrowParameters.Config memory c = escrowConfig(
            IGPUCredit(address(gpuc)), IProviderStaking(address(short)), IOracleCommittee(address(committee))
        );
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnbondingTooShort.selector, required, required));
        new JobEscrow(c);
    }
}
