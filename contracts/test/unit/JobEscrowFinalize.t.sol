// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EscrowTestBase} from "./EscrowTestBase.sol";
import {EscrowParameters} from "../../src/EscrowParameters.sol";
import {JobEscrow} from "../../src/JobEscrow.sol";
import {ProviderStaking} from "../../src/ProviderStaking.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice JobEscrow: optimistic finalize and the non-delivery slash (the paths no oracle signs).
contract JobEscrowFinalizeTest is EscrowTestBase {
    // ---------------------------------------------------------------- finalize

    function test_RevertWhen_FinalizeBeforeWindowCloses() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        uint256 readyAt = block.timestamp + DISPUTE_WINDOW;
        vm.warp(readyAt - 1);
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.TooEarly.selector, jobId, readyAt, readyAt - 1));
        escrow.finalize(t);
        assertUnchanged(b);
        assertStatus(jobId, IJobEscrow.Status.Delivered);
    }

    function test_Emits_JobSettled_Optimistic() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        vm.warp(block.timestamp + DISPUTE_WINDOW); // the first second the window is closed
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSettled(jobId, 60, PAY_60, REFUND_60, FEE_60, BURN_60, resultOf(jobId), true);
        vm.recordLogs(); // after the expected emit, which is logged too
        vm.prank(stranger); // anyone may finalize
        escrow.finalize(t);
        assertSettledOnly(vm.getRecordedLogs(), jobId, b);
        assertStatus(jobId, IJobEscrow.Status.Settled);
        assertEq(escrow.committedResult(jobId), bytes32(0), "commitment cleared");
        payOutAndCheckRelease60(t, jobId, stranger); // and anyone may pay it out
    }

    function test_Finalize_ThenEveryonePaidExactly() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        Money memory b = money();
        deliver(t, 100);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        escrow.finalize(t);
        payOutOne(t);
        drain();
        // 100 units: pay 100, fee 1, burn 0.5, provider 98.5, no refund.
        Delta memory d;
        d.consumerBal = -toInt(BUDGET);
        d.providerBal = 98.5e18;
        d.treasuryBal = 1e18;
        d.supply = -0.5e18;
        assertDelta(b, money(), d);
    }

    function test_RevertWhen_FinalizeDisputedJobInsideVerdictWindow() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliverAndDispute(t, 60);
        uint256 last = block.timestamp + VERDICT_WINDOW;
        vm.warp(last);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.TooEarly.selector, jobId, last + 1, last));
        escrow.finalize(t);
        assertStatus(jobId, IJobEscrow.Status.Disputed);
    }

    function test_RevertWhen_FinalizeWithoutReceipt() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.warp(uint256(t.deadline) + DISPUTE_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Accepted));
        escrow.finalize(t);
    }

    function test_RevertWhen_FinalizeTwice() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        escrow.finalize(t);
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Settled));
        escrow.finalize(t);
        assertUnchanged(b);
    }

    function test_RevertWhen_FinalizeUnknownJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, keccak256(abi.encode(t))));
        escrow.finalize(t);
    }

    function testFuzz_Finalize_OnlyAfterWindow(uint256 wait, uint64 units) public {
        IJobEscrow.JobTerms memory t = stdTerms();
        units = uint64(bound(units, 1, BUDGET / PRICE));
        bytes32 jobId = deliver(t, units);
        uint256 deliveredAt = block.timestamp;
        wait = bound(wait, 0, 3 * DISPUTE_WINDOW);
        vm.warp(deliveredAt + wait);
        if (wait < DISPUTE_WINDOW) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IJobEscrow.TooEarly.selector, jobId, deliveredAt + DISPUTE_WINDOW, deliveredAt + wait
                )
            );
            escrow.finalize(t);
        } else {
            escrow.finalize(t);
            assertEq(escrow.claimable(provider), 0, "finalize credits nothing");
            assertEq(escrow.claimable(consumer), 0, "finalize refunds nothing");
            payOutOne(t);
            uint256 pay = uint256(units) * PRICE;
            assertEq(escrow.claimable(provider), pay - pay * (FEE_BPS + BURN_BPS) / 10_000, "provider");
            assertEq(escrow.claimable(consumer), BUDGET - pay, "consumer");
        }
    }

    // ---------------------------------------------------------------- slashNonDelivery

    function test_RevertWhen_NonDeliverySlashInsideGrace() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        uint256 availableAt = uint256(t.deadline) + DISPUTE_WINDOW + 1;
        vm.warp(availableAt - 1);
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.TooEarly.selector, jobId, availableAt, availableAt - 1));
        escrow.slashNonDelivery(t);
        assertUnchanged(b);
        assertStatus(jobId, IJobEscrow.Status.Accepted);
    }

    function test_Emits_JobSlashed_NonDelivery() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.warp(uint256(t.deadline) + DISPUTE_WINDOW + 1);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSlashed(
            jobId, provider, COLLATERAL, COMPENSATION, SLASH_BURNT, SLASH_TREASURY, IJobEscrow.SlashReason.NonDelivery
        );
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.Slashed(provider, COLLATERAL, COLLATERAL, 0, 0, address(escrow));
        vm.prank(stranger); // anyone may call it
        escrow.slashNonDelivery(t);
        assertStatus(jobId, IJobEscrow.Status.Slashed);
        Delta memory d;
        d.consumerClaim = toInt(BUDGET + COMPENSATION);
        d.escrowBal = toInt(COLLATERAL);
        d.stakingBal = -toInt(COLLATERAL);
        d.locked = -toInt(COLLATERAL);
        d.fees = toInt(SLASH_TREASURY);
        d.burns = toInt(SLASH_BURNT);
        assertDelta(b, money(), d);
        drain();
        assertEq(gpuc.balanceOf(address(escrow)), 0, "escrow empty");
        assertEq(gpuc.balanceOf(consumer), b.consumerBal + BUDGET + COMPENSATION, "budget plus capped compensation");
    }

    function test_NonDeliverySlash_SurvivesProviderUnbonding() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        // The provider sees the slash coming and unbonds everything it can.
        uint256 free = staking.stakeOf(provider).free;
        vm.prank(provider);
        staking.requestUnbond(free);
        vm.warp(uint256(t.deadline) + DISPUTE_WINDOW + 1);
        escrow.slashNonDelivery(t);
        assertStatus(jobId, IJobEscrow.Status.Slashed);
        assertEq(escrow.claimable(consumer), BUDGET + COMPENSATION, "compensated up to the cap");
        assertEq(staking.stakeOf(provider).unbonding, free, "unbonding stake was not needed");
    }

    function test_RevertWhen_NonDeliverySlashOfDeliveredJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.warp(t.deadline);
        vm.prank(provider);
        escrow.submitReceipt(t, resultOf(jobId), 60);
        vm.warp(uint256(t.deadline) + DISPUTE_WINDOW + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Delivered));
        escrow.slashNonDelivery(t);
    }

    function test_RevertWhen_NonDeliverySlashOfOpenJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.warp(uint256(t.deadline) + DISPUTE_WINDOW + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Open));
        escrow.slashNonDelivery(t);
    }

    function test_RevertWhen_NonDeliverySlashTwice() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.warp(uint256(t.deadline) + DISPUTE_WINDOW + 1);
        escrow.slashNonDelivery(t);
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Slashed));
        escrow.slashNonDelivery(t);
        assertUnchanged(b);
    }

    function test_RevertWhen_NonDeliverySlashUnknownJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, keccak256(abi.encode(t))));
        escrow.slashNonDelivery(t);
    }
}

/// @notice Slashes where the collateral exceeds the budget (150 %) and the compensation cap is the
/// budget (10_000 bps): the consumer is compensated up to the budget again and the rest is split between burn and treasury by slashBurnBps (50 %).
contract JobEscrowSlashSplitTest is EscrowTestBase {
    uint256 internal constant BIG_COLLATERAL_BPS = 15_000;

    function redeploy() internal override {
        staking = new ProviderStaking(gpuc, UNBONDING_DELAY, admin);
        EscrowParameters.Config memory c = escrowConfig(BIG_COLLATERAL_BPS);
        c.compensationCapBps = 10_000; // compensation up to the budget again
        escrow = new JobEscrow(c);
        vm.prank(admin);
        staking.setEscrow(address(escrow));
    }

    function test_Emits_JobSlashed_WithBurnAndTreasuryShare() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        // collateral 150: compensation 100, rest 50 -> 25 burnt, 25 to the treasury.
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 2, 0);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSlashed(jobId, provider, 150e18, 100e18, 25e18, 25e18, IJobEscrow.SlashReason.FaultVerdict);
        escrow.settle(t, v, sigs);
        Delta memory d;
        d.consumerClaim = 200e18;
        d.escrowBal = 150e18;
        d.stakingBal = -150e18;
        d.fees = 25e18;
        d.burns = 25e18;
        d.locked = -150e18;
        assertDelta(b, money(), d);
        Money memory mid = money();
        drain();
        Delta memory out;
        out.consumerBal = 200e18;
        out.treasuryBal = 25e18;
        out.supply = -25e18;
        out.escrowBal = -toInt(mid.escrowBal);
        out.consumerClaim = -200e18;
        out.fees = -25e18;
        out.burns = -25e18;
        assertDelta(mid, money(), out);
        assertEq(gpuc.balanceOf(address(escrow)), 0, "escrow empty");
    }

    function test_NonDeliverySlash_SplitRoundsInTreasuryFavour() public {
        // Budget 5 wei: collateral ceil(7.5) = 8, compensation 5, rest 3 -> burnt 1 (rounded down), treasury 2.
        IJobEscrow.JobTerms memory t = terms(5, 1);
        bytes32 jobId = openAndAccept(t);
        vm.warp(uint256(t.deadline) + DISPUTE_WINDOW + 1);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSlashed(jobId, provider, 8, 5, 1, 2, IJobEscrow.SlashReason.NonDelivery);
        escrow.slashNonDelivery(t);
        assertEq(escrow.claimable(consumer), 10, "budget plus equal compensation");
    }

    function testFuzz_Slash_SplitsExactly(uint96 budget) public {
        budget = uint96(bound(budget, 1, 600e18)); // collateral stays within the 1,000 staked
        IJobEscrow.JobTerms memory t = terms(budget, uint256(budget) / type(uint64).max + 1);
        bytes32 jobId = openAndAccept(t);
        Money memory b = money();
        settleFault(t, jobId);
        Money memory a = money();
        uint256 collateral = (uint256(budget) * BIG_COLLATERAL_BPS + 9_999) / 10_000;
        uint256 rest = collateral - budget;
        assertEq(a.consumerClaim - b.consumerClaim, 2 * uint256(budget), "budget plus compensation");
        assertEq(a.burns - b.burns, rest * SLASH_BURN_BPS / 10_000, "burnt share");
        assertEq((a.fees - b.fees) + (a.burns - b.burns), rest, "rest split, nothing lost");
        assertEq(a.escrowBal - b.escrowBal, collateral, "escrow got the collateral");
        assertEq(b.stakingBal - a.stakingBal, collateral, "staking paid it");
        drain();
        assertEq(gpuc.balanceOf(address(escrow)), 0, "escrow empty");
    }
}
