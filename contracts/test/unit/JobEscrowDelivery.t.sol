// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EscrowTestBase} from "./EscrowTestBase.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice JobEscrow: accept, submitReceipt and dispute.
contract JobEscrowDeliveryTest is EscrowTestBase {
    bytes32 internal constant RESULT = keccak256("result bytes");

    // ---------------------------------------------------------------- accept

    function test_Emits_JobAccepted() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobAccepted(jobId, provider, COLLATERAL);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.CollateralLocked(provider, COLLATERAL);
        vm.prank(provider);
        escrow.accept(t);
        assertStatus(jobId, IJobEscrow.Status.Accepted);
        Delta memory d;
        d.free = -toInt(COLLATERAL);
        d.locked = toInt(COLLATERAL);
        assertDelta(b, money(), d);
    }

    function test_Accept_AtAcceptDeadline() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.warp(t.acceptDeadline);
        vm.prank(provider);
        escrow.accept(t);
        assertStatus(jobId, IJobEscrow.Status.Accepted);
    }

    function test_RevertWhen_AcceptAfterAcceptDeadline() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.warp(uint256(t.acceptDeadline) + 1);
        Money memory b = money();
        vm.expectRevert(
            abi.encodeWithSelector(IJobEscrow.TooLate.selector, jobId, t.acceptDeadline, uint256(t.acceptDeadline) + 1)
        );
        vm.prank(provider);
        escrow.accept(t);
        assertUnchanged(b);
        assertStatus(jobId, IJobEscrow.Status.Open);
    }

    function test_RevertWhen_StrangerAccepts() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        fundAndStake(stranger, 100e18);
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotProvider.selector, stranger, provider));
        vm.prank(stranger);
        escrow.accept(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotProvider.selector, consumer, provider));
        vm.prank(consumer);
        escrow.accept(t);
        assertUnchanged(b);
        assertStatus(jobId, IJobEscrow.Status.Open);
        assertEq(staking.stakeOf(stranger).locked, 0, "stranger's stake untouched");
    }

    function test_RevertWhen_AcceptUnknownJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, keccak256(abi.encode(t))));
        vm.prank(provider);
        escrow.accept(t);
    }

    function test_RevertWhen_AcceptTwice() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Accepted));
        vm.prank(provider);
        escrow.accept(t);
        assertEq(staking.stakeOf(provider).locked, COLLATERAL, "locked once");
    }

    function test_RevertWhen_AcceptCancelledJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.prank(consumer);
        escrow.cancel(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Refunded));
        vm.prank(provider);
        escrow.accept(t);
    }

    function test_RevertWhen_AcceptWithoutFreeStake() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.prank(provider);
        staking.requestUnbond(PROVIDER_STAKE - 20e18);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderStaking.InsufficientStake.selector, provider, 20e18, COLLATERAL)
        );
        vm.prank(provider);
        escrow.accept(t);
        assertStatus(jobId, IJobEscrow.Status.Open);
    }

    function test_CollateralFor_RoundsUp() public view {
        assertEq(escrow.collateralFor(0), 0, "zero");
        assertEq(escrow.collateralFor(1), 1, "half a wei rounds up");
        assertEq(escrow.collateralFor(3), 2, "1.5 rounds up");
        assertEq(escrow.collateralFor(4), 2, "exact");
        assertEq(escrow.collateralFor(BUDGET), COLLATERAL, "standard job");
    }

    function testFuzz_Accept_LocksCeilCollateral(uint96 budget) public {
        budget = uint96(bound(budget, 1, 1_000e18));
        // The price keeps budget / price within uint64 units (the open's own bound).
        IJobEscrow.JobTerms memory t = terms(budget, uint256(budget) / type(uint64).max + 1);
        openAndAccept(t);
        uint256 expected = (uint256(budget) * COLLATERAL_BPS + 9_999) / 10_000;
        assertEq(staking.stakeOf(provider).locked, expected, "ceil(budget x bps)");
        assertGt(expected, 0, "a job always locks something");
    }

    // ---------------------------------------------------------------- submitReceipt

    function test_Emits_ReceiptSubmitted() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.warp(block.timestamp + 2 hours);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.ReceiptSubmitted(jobId, RESULT, 60);
        vm.prank(provider);
        escrow.submitReceipt(t, RESULT, 60);
        (IJobEscrow.Status st, uint40 deliveredAt, uint64 units, bool paidOut) = escrow.jobs(jobId);
        assertEq(uint256(st), uint256(IJobEscrow.Status.Delivered), "delivered");
        assertEq(deliveredAt, block.timestamp, "delivery time");
        assertEq(units, 60, "units");
        assertFalse(paidOut, "not paid out");
        assertEq(escrow.committedResult(jobId), RESULT, "result committed");
        assertUnchanged(b); // no money moves until the window closes
    }

    function test_SubmitReceipt_AtDeadline() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.warp(t.deadline);
        vm.prank(provider);
        escrow.submitReceipt(t, RESULT, 1);
        assertStatus(jobId, IJobEscrow.Status.Delivered);
    }

    function test_RevertWhen_ReceiptAfterDeadline() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.warp(uint256(t.deadline) + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.TooLate.selector, jobId, t.deadline, uint256(t.deadline) + 1));
        vm.prank(provider);
        escrow.submitReceipt(t, RESULT, 1);
        assertStatus(jobId, IJobEscrow.Status.Accepted);
        assertEq(escrow.committedResult(jobId), bytes32(0), "nothing committed");
    }

    function test_RevertWhen_StrangerSubmitsReceipt() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotProvider.selector, stranger, provider));
        vm.prank(stranger);
        escrow.submitReceipt(t, RESULT, 1);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotProvider.selector, consumer, provider));
        vm.prank(consumer);
        escrow.submitReceipt(t, RESULT, 1);
        assertStatus(jobId, IJobEscrow.Status.Accepted);
        assertEq(escrow.committedResult(jobId), bytes32(0), "nothing committed");
    }

    function test_RevertWhen_ReceiptBeforeAccept() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Open));
        vm.prank(provider);
        escrow.submitReceipt(t, RESULT, 1);
    }

    function test_RevertWhen_ReceiptTwice() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 10);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Delivered));
        vm.prank(provider);
        escrow.submitReceipt(t, RESULT, 99);
        (,, uint64 units,) = escrow.jobs(jobId);
        assertEq(units, 10, "first receipt stands");
    }

    function test_RevertWhen_ReceiptForUnknownJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, keccak256(abi.encode(t))));
        vm.prank(provider);
        escrow.submitReceipt(t, RESULT, 1);
    }

    function test_RevertWhen_ReceiptZeroUnits() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.ZeroUnits.selector, jobId));
        vm.prank(provider);
        escrow.submitReceipt(t, RESULT, 0);
    }

    function test_RevertWhen_ReceiptUnitsAboveBudget() public {
        // 100 GPUC at 3 GPUC per unit pays for 33 units.
        IJobEscrow.JobTerms memory t = terms(BUDGET, 3e18);
        bytes32 jobId = openAndAccept(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnitsExceedMax.selector, jobId, 34, 33));
        vm.prank(provider);
        escrow.submitReceipt(t, RESULT, 34);
        vm.prank(provider);
        escrow.submitReceipt(t, RESULT, 33);
        assertStatus(jobId, IJobEscrow.Status.Delivered);
    }

    // ---------------------------------------------------------------- dispute

    function test_Emits_JobDisputed_ByConsumer() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        vm.prank(consumer);
        gpuc.approve(address(escrow), BOND);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobDisputed(jobId, consumer, BOND);
        vm.prank(consumer);
        escrow.dispute(t);
        assertStatus(jobId, IJobEscrow.Status.Disputed);
        assertEq(escrow.disputedAt(jobId), block.timestamp, "dispute time recorded");
        // The bond moves into the escrow; nothing else moves.
        Delta memory d;
        d.consumerBal = -toInt(BOND);
        d.escrowBal = toInt(BOND);
        assertDelta(b, money(), d);
    }

    function test_RevertWhen_DisputeWithoutBondAllowance() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(escrow), 0, BOND)
        );
        vm.prank(consumer);
        escrow.dispute(t);
        assertStatus(jobId, IJobEscrow.Status.Delivered);
        assertEq(escrow.disputedAt(jobId), 0, "nothing recorded");
    }

    function test_RevertWhen_CommitteeMemberDisputesAlone() public {
        // Issue 14 (2): one member must not be able to stop an honest provider's payout.
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, oracles[i], consumer));
            vm.prank(oracles[i]);
            escrow.dispute(t);
        }
        assertStatus(jobId, IJobEscrow.Status.Delivered);
        // The committee acts with verdict weight instead: k of n settle the delivered job.
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 2, 0);
        escrow.settle(t, v, sigs);
        assertStatus(jobId, IJobEscrow.Status.Slashed);
    }

    function test_RevertWhen_StrangerDisputes() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, stranger, consumer));
        vm.prank(stranger);
        escrow.dispute(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, provider, consumer));
        vm.prank(provider);
        escrow.dispute(t);
        assertStatus(jobId, IJobEscrow.Status.Delivered);
    }

    function test_Dispute_LastSecondOfWindow() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        vm.warp(block.timestamp + DISPUTE_WINDOW - 1);
        disputeAsConsumer(t);
        assertStatus(jobId, IJobEscrow.Status.Disputed);
    }

    function test_RevertWhen_DisputeWindowClosed() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        uint256 closesAt = block.timestamp + DISPUTE_WINDOW;
        vm.warp(closesAt);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.TooLate.selector, jobId, closesAt - 1, closesAt));
        vm.prank(consumer);
        escrow.dispute(t);
        assertStatus(jobId, IJobEscrow.Status.Delivered);
    }

    function test_RevertWhen_DisputeWithoutReceipt() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Accepted));
        vm.prank(consumer);
        escrow.dispute(t);
    }

    function test_RevertWhen_DisputeTwice() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliverAndDispute(t, 60);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Disputed));
        vm.prank(consumer);
        escrow.dispute(t);
    }

    function test_RevertWhen_DisputeUnknownJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, keccak256(abi.encode(t))));
        vm.prank(consumer);
        escrow.dispute(t);
    }

    function testFuzz_Dispute_OnlyInsideWindow(uint256 wait) public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        uint256 deliveredAt = block.timestamp;
        wait = bound(wait, 0, 3 * DISPUTE_WINDOW);
        vm.warp(deliveredAt + wait);
        if (wait < DISPUTE_WINDOW) {
            disputeAsConsumer(t);
            assertStatus(jobId, IJobEscrow.Status.Disputed);
        } else {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IJobEscrow.TooLate.selector, jobId, deliveredAt + DISPUTE_WINDOW - 1, deliveredAt + wait
                )
            );
            vm.prank(consumer);
            escrow.dispute(t);
        }
    }
}
