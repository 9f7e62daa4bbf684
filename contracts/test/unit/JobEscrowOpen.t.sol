// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {EscrowTestBase} from "./EscrowTestBase.sol";
import {EscrowParameters} from "../../src/EscrowParameters.sol";
import {JobEscrow} from "../../src/JobEscrow.sol";
import {IGPUCredit} from "../../src/interfaces/IGPUCredit.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice JobEscrow: construction, open, openWithPermit, cancel and refund.
contract JobEscrowOpenTest is EscrowTestBase {
    // ---------------------------------------------------------------- constructor

    function cfg() internal view returns (EscrowParameters.Config memory) {
        return escrowConfig(COLLATERAL_BPS);
    }

    function test_Deploy_Config() public view {
        assertEq(address(escrow.credit()), address(gpuc), "credit");
        assertEq(address(escrow.staking()), address(staking), "staking");
        assertEq(address(escrow.committee()), address(committee), "committee");
        assertEq(escrow.treasury(), treasury, "treasury");
        assertEq(escrow.feeBps(), FEE_BPS, "fee");
        assertEq(escrow.burnBps(), BURN_BPS, "burn");
        assertEq(escrow.collateralBps(), COLLATERAL_BPS, "collateral");
        assertEq(escrow.slashBurnBps(), SLASH_BURN_BPS, "slash burn");
        assertEq(escrow.disputeWindow(), DISPUTE_WINDOW, "window");
        assertEq(escrow.maxJobDuration(), MAX_JOB_DURATION, "max duration");
    }

    function test_RevertWhen_DeployWithZeroAddresses() public {
        EscrowParameters.Config memory c = cfg();
        c.credit = IGPUCredit(address(0));
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.ZeroAddress.selector, IJobEscrow.EscrowParam.Credit));
        new JobEscrow(c);
        c = cfg();
        c.staking = IProviderStaking(address(0));
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.ZeroAddress.selector, IJobEscrow.EscrowParam.Staking));
        new JobEscrow(c);
        c = cfg();
        c.committee = IOracleCommittee(address(0));
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.ZeroAddress.selector, IJobEscrow.EscrowParam.Committee));
        new JobEscrow(c);
        c = cfg();
        c.treasury = address(0);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.ZeroAddress.selector, IJobEscrow.EscrowParam.Treasury));
        new JobEscrow(c);
    }

    function test_RevertWhen_DeployWithFeePlusBurnAboveCap() public {
        EscrowParameters.Config memory c = cfg();
        c.feeBps = 1_500;
        c.burnBps = 501;
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.BpsTooHigh.selector, IJobEscrow.EscrowParam.FeePlusBurn, 2_001, 2_000));
        new JobEscrow(c);
        c.burnBps = 500;
        assertEq(new JobEscrow(c).burnBps(), 500, "cap allowed");
    }

    function test_RevertWhen_DeployWithCollateralAboveCap() public {
        EscrowParameters.Config memory c = cfg();
        c.collateralBps = 100_001;
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.BpsTooHigh.selector, IJobEscrow.EscrowParam.Collateral, 100_001, 100_000));
        new JobEscrow(c);
        c.collateralBps = 100_000;
        assertEq(new JobEscrow(c).collateralBps(), 100_000, "cap allowed");
    }

    function test_RevertWhen_DeployWithSlashBurnAboveCap() public {
        EscrowParameters.Config memory c = cfg();
        c.slashBurnBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.BpsTooHigh.selector, IJobEscrow.EscrowParam.SlashBurn, 10_001, 10_000));
        new JobEscrow(c);
    }

    function test_RevertWhen_UnbondingNotLongerThanSlashWindow() public {
        // Unbonding must outlast maxJobDuration + disputeWindow + verdictWindow, strictly.
        EscrowParameters.Config memory c = cfg();
        c.maxJobDuration = UNBONDING_DELAY - DISPUTE_WINDOW - VERDICT_WINDOW;
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnbondingTooShort.selector, UNBONDING_DELAY, UNBONDING_DELAY));
        new JobEscrow(c);
        c.maxJobDuration -= 1;
        assertEq(
            new JobEscrow(c).maxJobDuration(), UNBONDING_DELAY - DISPUTE_WINDOW - VERDICT_WINDOW - 1, "one second less"
        );
    }

    // ---------------------------------------------------------------- open

    function test_Emits_JobOpened() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = keccak256(abi.encode(t));
        vm.prank(consumer);
        gpuc.approve(address(escrow), BUDGET);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobOpened(jobId, consumer, provider, t);
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(consumer, address(escrow), BUDGET);
        vm.prank(consumer);
        assertEq(escrow.open(t), jobId, "id = keccak256(abi.encode(terms))");
        assertEq(escrow.jobIdOf(t), jobId, "jobIdOf");
    }

    function test_Open_LocksBudget() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        Money memory b = money();
        bytes32 jobId = openJob(t);
        Delta memory d;
        d.consumerBal = -toInt(BUDGET);
        d.escrowBal = toInt(BUDGET);
        assertDelta(b, money(), d);
        (IJobEscrow.Status st, uint40 deliveredAt, uint64 units, bool paidOut) = escrow.jobs(jobId);
        assertEq(uint256(st), uint256(IJobEscrow.Status.Open), "open");
        assertEq(deliveredAt, 0, "not delivered");
        assertEq(units, 0, "no units");
        assertFalse(paidOut, "not paid out");
    }

    function test_RevertWhen_OpenForAnotherConsumer() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        vm.prank(consumer);
        gpuc.approve(address(escrow), BUDGET);
        Money memory b = money();
        // A stranger cannot spend the consumer's allowance by naming it as consumer.
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, stranger, consumer));
        vm.prank(stranger);
        escrow.open(t);
        assertUnchanged(b);
        assertStatus(keccak256(abi.encode(t)), IJobEscrow.Status.None);
    }

    function test_RevertWhen_ProviderZeroOrConsumer() public {
        IJobEscrow.JobTerms memory t = termsFor(consumer, address(0), BUDGET, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.InvalidProvider.selector, address(0)));
        vm.prank(consumer);
        escrow.open(t);
        t = termsFor(consumer, consumer, BUDGET, PRICE);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.InvalidProvider.selector, consumer));
        vm.prank(consumer);
        escrow.open(t);
    }

    function test_RevertWhen_PriceZero() public {
        IJobEscrow.JobTerms memory t = terms(BUDGET, 0);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.InvalidPrice.selector, 0, BUDGET));
        vm.prank(consumer);
        escrow.open(t);
    }

    function test_RevertWhen_PriceAboveBudget() public {
        IJobEscrow.JobTerms memory t = terms(BUDGET, BUDGET + 1);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.InvalidPrice.selector, BUDGET + 1, BUDGET));
        vm.prank(consumer);
        escrow.open(t);
        // One unit exactly is allowed.
        openJob(terms(BUDGET, BUDGET));
    }

    function test_RevertWhen_BudgetZero() public {
        IJobEscrow.JobTerms memory t = terms(0, 1);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.InvalidPrice.selector, 1, 0));
        vm.prank(consumer);
        escrow.open(t);
    }

    function test_RevertWhen_AcceptDeadlineNotInFuture() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        t.acceptDeadline = uint40(block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobEscrow.InvalidDeadlines.selector, block.timestamp, t.deadline, block.timestamp, MAX_JOB_DURATION
            )
        );
        vm.prank(consumer);
        escrow.open(t);
        t.acceptDeadline = uint40(block.timestamp + 1);
        openJob(t);
    }

    function test_RevertWhen_DeadlineBeforeAcceptDeadline() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        t.deadline = t.acceptDeadline - 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobEscrow.InvalidDeadlines.selector, t.acceptDeadline, t.deadline, block.timestamp, MAX_JOB_DURATION
            )
        );
        vm.prank(consumer);
        escrow.open(t);
        t.deadline = t.acceptDeadline; // equal is allowed
        openJob(t);
    }

    function test_RevertWhen_DeadlineBeyondMaxDuration() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        t.deadline = uint40(block.timestamp + MAX_JOB_DURATION + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobEscrow.InvalidDeadlines.selector, t.acceptDeadline, t.deadline, block.timestamp, MAX_JOB_DURATION
            )
        );
        vm.prank(consumer);
        escrow.open(t);
        t.deadline = uint40(block.timestamp + MAX_JOB_DURATION);
        openJob(t);
    }

    function test_RevertWhen_JobExists() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.prank(consumer);
        gpuc.approve(address(escrow), BUDGET);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.JobExists.selector, jobId));
        vm.prank(consumer);
        escrow.open(t);
        // Even a finished job's terms cannot be reopened (a new salt makes a new job).
        vm.prank(consumer);
        escrow.cancel(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.JobExists.selector, jobId));
        vm.prank(consumer);
        escrow.open(t);
    }

    function test_RevertWhen_BudgetNotApproved() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(escrow), 0, BUDGET)
        );
        vm.prank(consumer);
        escrow.open(t);
        assertStatus(keccak256(abi.encode(t)), IJobEscrow.Status.None);
    }

    function test_RevertWhen_BudgetAboveBalance() public {
        uint256 bal = gpuc.balanceOf(consumer);
        IJobEscrow.JobTerms memory t = terms(bal + 1, PRICE);
        vm.prank(consumer);
        gpuc.approve(address(escrow), bal + 1);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, consumer, bal, bal + 1));
        vm.prank(consumer);
        escrow.open(t);
    }

    // ---------------------------------------------------------------- openWithPermit

    function test_OpenWithPermit_OneTransaction() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        SignedPermit memory p = signPermit(gpuc, consumerKey, address(escrow), BUDGET, block.timestamp + 1 hours);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobOpened(keccak256(abi.encode(t)), consumer, provider, t);
        vm.prank(consumer);
        bytes32 jobId = escrow.openWithPermit(t, p.deadline, p.v, p.r, p.s);
        assertStatus(jobId, IJobEscrow.Status.Open);
        Delta memory d;
        d.consumerBal = -toInt(BUDGET);
        d.escrowBal = toInt(BUDGET);
        assertDelta(b, money(), d);
        assertEq(gpuc.nonces(consumer), 1, "permit used");
        assertEq(gpuc.allowance(consumer, address(escrow)), 0, "allowance spent");
    }

    function test_OpenWithPermit_AfterPermitFrontRun() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        SignedPermit memory p = signPermit(gpuc, consumerKey, address(escrow), BUDGET, block.timestamp + 1 hours);
        // A watcher submits the permit first: the nonce is gone but the allowance is there.
        vm.prank(stranger);
        gpuc.permit(consumer, address(escrow), BUDGET, p.deadline, p.v, p.r, p.s);
        vm.prank(consumer);
        bytes32 jobId = escrow.openWithPermit(t, p.deadline, p.v, p.r, p.s);
        assertStatus(jobId, IJobEscrow.Status.Open);
        assertEq(gpuc.balanceOf(address(escrow)), BUDGET, "budget locked");
    }

    function test_RevertWhen_PermitExpiredAndNoAllowance() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        SignedPermit memory p = signPermit(gpuc, consumerKey, address(escrow), BUDGET, block.timestamp);
        vm.warp(block.timestamp + 1);
        Money memory b = money();
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(escrow), 0, BUDGET)
        );
        vm.prank(consumer);
        escrow.openWithPermit(t, p.deadline, p.v, p.r, p.s);
        assertUnchanged(b);
        assertEq(gpuc.nonces(consumer), 0, "nonce untouched");
    }

    function test_RevertWhen_OpenWithPermitForAnotherConsumer() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        SignedPermit memory p = signPermit(gpuc, consumerKey, address(escrow), BUDGET, block.timestamp + 1 hours);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, stranger, consumer));
        vm.prank(stranger);
        escrow.openWithPermit(t, p.deadline, p.v, p.r, p.s);
        assertEq(gpuc.nonces(consumer), 0, "permit not spent");
    }

    // ---------------------------------------------------------------- cancel

    function test_Emits_JobRefunded_Cancelled() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobRefunded(jobId, consumer, BUDGET, IJobEscrow.RefundReason.Cancelled);
        vm.prank(consumer);
        escrow.cancel(t);
        assertStatus(jobId, IJobEscrow.Status.Refunded);
        Delta memory d;
        d.consumerClaim = toInt(BUDGET);
        assertDelta(b, money(), d);
        drain();
        assertEq(gpuc.balanceOf(consumer), b.consumerBal + BUDGET, "whole budget back");
        assertEq(gpuc.balanceOf(address(escrow)), 0, "escrow empty");
    }

    function test_Cancel_AfterAcceptDeadline() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.warp(t.acceptDeadline + 1 days);
        vm.prank(consumer);
        escrow.cancel(t);
        assertStatus(jobId, IJobEscrow.Status.Refunded);
    }

    function test_RevertWhen_StrangerCancels() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, stranger, consumer));
        vm.prank(stranger);
        escrow.cancel(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, provider, consumer));
        vm.prank(provider);
        escrow.cancel(t);
        assertUnchanged(b);
        assertStatus(jobId, IJobEscrow.Status.Open);
    }

    function test_RevertWhen_CancelUnknownJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, keccak256(abi.encode(t))));
        vm.prank(consumer);
        escrow.cancel(t);
    }

    function test_RevertWhen_CancelAcceptedJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Accepted));
        vm.prank(consumer);
        escrow.cancel(t);
    }

    function test_RevertWhen_CancelTwice() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.prank(consumer);
        escrow.cancel(t);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Refunded));
        vm.prank(consumer);
        escrow.cancel(t);
        assertEq(escrow.claimable(consumer), BUDGET, "refunded once");
    }

    function test_RevertWhen_TermsAltered() public {
        // Terms are the job's identity: changing any field names another (unknown) job.
        IJobEscrow.JobTerms memory t = stdTerms();
        openJob(t);
        t.budget += 1;
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, keccak256(abi.encode(t))));
        vm.prank(consumer);
        escrow.cancel(t);
    }

    // ---------------------------------------------------------------- refund

    function test_RevertWhen_RefundAtAcceptDeadline() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.warp(t.acceptDeadline);
        vm.expectRevert(
            abi.encodeWithSelector(IJobEscrow.TooEarly.selector, jobId, uint256(t.acceptDeadline) + 1, t.acceptDeadline)
        );
        escrow.refund(t);
        assertStatus(jobId, IJobEscrow.Status.Open);
    }

    function test_Emits_JobRefunded_NotAccepted() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.warp(uint256(t.acceptDeadline) + 1);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobRefunded(jobId, consumer, BUDGET, IJobEscrow.RefundReason.NotAccepted);
        vm.prank(stranger); // anyone may trigger it
        escrow.refund(t);
        assertStatus(jobId, IJobEscrow.Status.Refunded);
        Delta memory d;
        d.consumerClaim = toInt(BUDGET);
        assertDelta(b, money(), d);
        assertEq(escrow.claimable(stranger), 0, "caller gets nothing");
    }

    function test_RevertWhen_RefundDisputed() public {
        // A dispute without a verdict no longer refunds: after the verdict window `finalize`
        // settles it as the receipt said (JobEscrowDisputeGame).
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliverAndDispute(t, 60);
        vm.warp(block.timestamp + 10 * VERDICT_WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Disputed));
        escrow.refund(t);
        assertStatus(jobId, IJobEscrow.Status.Disputed);
    }

    function test_RevertWhen_RefundAcceptedDeliveredOrSettled() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        vm.warp(uint256(t.deadline) + 30 days);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Accepted));
        escrow.refund(t);

        IJobEscrow.JobTerms memory t2 = stdTerms();
        bytes32 jobId2 = deliver(t2, 10);
        vm.warp(block.timestamp + 30 days);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId2, IJobEscrow.Status.Delivered));
        escrow.refund(t2);
        escrow.finalize(t2);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId2, IJobEscrow.Status.Settled));
        escrow.refund(t2);
    }

    function test_RevertWhen_RefundUnknownJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, keccak256(abi.encode(t))));
        escrow.refund(t);
    }

    function testFuzz_Refund_NotAcceptedOnlyAfterAcceptDeadline(uint256 wait) public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        wait = bound(wait, 0, 30 days);
        uint256 at = block.timestamp + wait;
        vm.warp(at);
        if (at <= t.acceptDeadline) {
            vm.expectRevert(
                abi.encodeWithSelector(IJobEscrow.TooEarly.selector, jobId, uint256(t.acceptDeadline) + 1, at)
            );
            escrow.refund(t);
        } else {
            escrow.refund(t);
            assertEq(escrow.claimable(consumer), BUDGET, "refunded");
        }
    }

    function testFuzz_Open_AnyValidTermsLockExactBudget(uint96 budget, uint96 price, uint40 acceptIn, uint40 runFor)
        public
    {
        uint256 bal = gpuc.balanceOf(consumer);
        budget = uint96(bound(budget, 1, bal));
        // At least budget / 2^64 + 1, so the units fit the uint64 of receipts (else TooManyUnits).
        price = uint96(bound(price, uint256(budget) / type(uint64).max + 1, budget));
        acceptIn = uint40(bound(acceptIn, 1, MAX_JOB_DURATION));
        runFor = uint40(bound(runFor, 0, MAX_JOB_DURATION - acceptIn));
        IJobEscrow.JobTerms memory t = terms(budget, price);
        t.acceptDeadline = uint40(block.timestamp + acceptIn);
        t.deadline = t.acceptDeadline + runFor;
        bytes32 jobId = openJob(t);
        assertStatus(jobId, IJobEscrow.Status.Open);
        assertEq(gpuc.balanceOf(address(escrow)), budget, "locked");
        assertEq(gpuc.balanceOf(consumer), bal - budget, "paid");
    }
}
