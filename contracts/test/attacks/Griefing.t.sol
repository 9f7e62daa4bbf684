// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {AttackBase} from "./AttackBase.sol";
import {Signatures} from "../utils/Signatures.sol";
import {Vm} from "../utils/Vm.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice design.md §3 attack: griefing another account's timers (and money). A stranger
/// cannot restart a provider's unbonding, cancel or refund a consumer's job early, move a job
/// along for its parties, spend someone else's allowance or permit, make a provider's payOut
/// batch fail by paying one of its jobs first, or redirect a payout.
contract GriefingAttackTest is AttackBase {
    IJobEscrow.JobTerms internal t;
    bytes32 internal jobId;

    function setUp() public override {
        super.setUp();
        fund(consumer, 1_000e18);
        fundAndStake(provider, 500e18);
        fund(stranger, 1_000e18);
        t = terms(100e18, 1e18);
        jobId = openJob(t);
    }

    function _status(bytes32 id) internal view returns (IJobEscrow.Status st) {
        (st,,,) = escrow.jobs(id);
    }

    function test_StrangerCannotRestartAProvidersUnbonding() public {
        vm.prank(provider);
        staking.requestUnbond(100e18);
        uint256 readyAt = staking.stakeOf(provider).unbondingReadyAt;
        vm.warp(block.timestamp + 3 days);

        // the only entry point acts on the caller's own stake
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IProviderStaking.InsufficientStake.selector, stranger, 0, 1));
        staking.requestUnbond(1);
        // a stranger with stake of its own restarts only its own clock
        vm.startPrank(stranger);
        gpuc.approve(address(staking), 10e18);
        staking.stake(10e18);
        staking.requestUnbond(10e18);
        vm.stopPrank();
        assertEq(staking.stakeOf(provider).unbondingReadyAt, readyAt, "the provider's clock did not move");

        vm.warp(readyAt);
        vm.prank(provider);
        assertEq(staking.withdraw(), 100e18, "the provider leaves on time");
    }

    function test_StrangerCannotCancelAConsumersJob() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, stranger, consumer));
        escrow.cancel(t);
        vm.prank(provider);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, provider, consumer));
        escrow.cancel(t);
        assertEq(uint256(_status(jobId)), uint256(IJobEscrow.Status.Open), "still open");
    }

    function test_StrangerCannotRefundEarly() public {
        vm.startPrank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IJobEscrow.TooEarly.selector, jobId, uint256(t.acceptDeadline) + 1, block.timestamp)
        );
        escrow.refund(t);
        vm.warp(t.acceptDeadline);
        vm.expectRevert(
            abi.encodeWithSelector(IJobEscrow.TooEarly.selector, jobId, uint256(t.acceptDeadline) + 1, t.acceptDeadline)
        );
        escrow.refund(t);
        vm.stopPrank();

        // an accepted job cannot be refunded at all, nor a disputed one (its timeout finalizes)
        vm.prank(provider);
        escrow.accept(t);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Accepted));
        escrow.refund(t);
        vm.prank(provider);
        escrow.submitReceipt(t, keccak256("r"), 10);
        uint256 disputedAt = block.timestamp;
        vm.startPrank(consumer);
        gpuc.approve(address(escrow), escrow.disputeBondFor(t.budget));
        escrow.dispute(t);
        vm.stopPrank();
        vm.warp(disputedAt + VERDICT_WINDOW);
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Disputed));
        escrow.refund(t);
        vm.expectRevert(
            abi.encodeWithSelector(IJobEscrow.TooEarly.selector, jobId, disputedAt + VERDICT_WINDOW + 1, block.timestamp)
        );
        escrow.finalize(t);
        vm.stopPrank();
        assertEq(uint256(_status(jobId)), uint256(IJobEscrow.Status.Disputed), "still disputed");
    }

    function test_StrangerCannotMoveAJobForItsParties() public {
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotProvider.selector, stranger, provider));
        escrow.accept(t);
        vm.stopPrank();
        vm.prank(provider);
        escrow.accept(t);
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotProvider.selector, stranger, provider));
        escrow.submitReceipt(t, keccak256("r"), 10);
        vm.stopPrank();
        vm.prank(provider);
        escrow.submitReceipt(t, keccak256("r"), 10);
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, stranger, consumer));
        escrow.dispute(t);
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobEscrow.TooEarly.selector, jobId, block.timestamp + DISPUTE_WINDOW, block.timestamp
            )
        );
        escrow.finalize(t);
        vm.stopPrank();
        assertEq(uint256(_status(jobId)), uint256(IJobEscrow.Status.Delivered), "still delivered");
    }

    function test_StrangerCannotSlashNonDeliveryEarly() public {
        vm.prank(provider);
        escrow.accept(t);
        uint256 availableAt = uint256(t.deadline) + DISPUTE_WINDOW + 1;
        vm.warp(availableAt - 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.TooEarly.selector, jobId, availableAt, availableAt - 1));
        escrow.slashNonDelivery(t);
        assertEq(uint256(_status(jobId)), uint256(IJobEscrow.Status.Accepted), "still accepted");
    }

    function test_StrangerCannotOpenWithSomeoneElsesAllowance() public {
        vm.prank(consumer);
        gpuc.approve(address(escrow), 500e18);
        IJobEscrow.JobTerms memory theirs = terms(100e18, 1e18);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, stranger, consumer));
        escrow.open(theirs);
        // naming itself as consumer, it can only spend its own allowance (none)
        IJobEscrow.JobTerms memory own = termsFor(stranger, provider, 100e18, 1e18);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(escrow), 0, 100e18)
        );
        escrow.open(own);
        assertEq(gpuc.allowance(consumer, address(escrow)), 500e18, "the consumer's allowance is intact");
    }

    function test_StrangerCannotUseSomeoneElsesPermit() public {
        IJobEscrow.JobTerms memory theirs = terms(100e18, 1e18);
        uint256 deadline = block.timestamp + 1 hours;
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(consumerKey, Signatures.permitDigest(gpuc, consumer, address(escrow), 100e18, deadline));
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, stranger, consumer));
        escrow.openWithPermit(theirs, deadline, v, r, s);

        // copying the permit into the token first only burns the nonce: the consumer still opens
        vm.prank(stranger);
        gpuc.permit(consumer, address(escrow), 100e18, deadline, v, r, s);
        vm.prank(consumer);
        bytes32 id = escrow.openWithPermit(theirs, deadline, v, r, s);
        assertEq(uint256(_status(id)), uint256(IJobEscrow.Status.Open), "opened despite the front-run permit");
    }

    function test_StrangerCannotClaimWhatOthersAreOwed() public {
        vm.prank(consumer);
        escrow.cancel(t);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NothingToClaim.selector, stranger));
        escrow.claim();
        assertEq(escrow.claimable(consumer), t.budget, "still owed to the consumer");
        // payouts and fee collection are open to anyone but pay only the job's parties and the treasury
        IJobEscrow.JobTerms[] memory list = new IJobEscrow.JobTerms[](1);
        list[0] = settleOneJob();
        (uint128 accruedAtSettle,) = escrow.accrued();
        assertEq(accruedAtSettle, 0, "settlement accrues no fee");
        vm.prank(stranger);
        escrow.payOut(list);
        assertEq(escrow.claimable(stranger), 0, "paying out credits the caller nothing");
        uint256 before = gpuc.balanceOf(stranger);
        (uint128 fees,) = escrow.accrued();
        vm.prank(stranger);
        escrow.collectFees();
        assertGt(fees, 0, "the payout accrued a fee");
        assertEq(gpuc.balanceOf(stranger), before, "the caller got nothing");
        assertEq(gpuc.balanceOf(treasury), fees, "the treasury got the fees");
    }

    /// @notice payOut is open to anyone, so a stranger can pay one of a provider's settled jobs
    /// just before the provider's own batch lands. The batch still succeeds (the paid job is
    /// skipped, not an error), every party is credited exactly once, and the stranger gains
    /// nothing.
    function test_StrangerFrontRunningPayOutDoesNotFailTheProvidersBatch() public {
        address consumer2 = makeAddr("consumer2");
        fund(consumer2, 100e18);
        IJobEscrow.JobTerms[] memory batch = new IJobEscrow.JobTerms[](3);
        batch[0] = terms(100e18, 1e18);
        batch[1] = termsFor(consumer2, provider, 50e18, 1e18);
        batch[2] = terms(80e18, 2e18);
        uint64[3] memory units = [uint64(60), 40, 10];
        bytes32[3] memory ids;
        for (uint256 i = 0; i < 3; ++i) {
            ids[i] = openAndAccept(batch[i]);
            settleRelease(batch[i], ids[i], units[i]);
        }
        assertEq(staking.stakeOf(provider).locked, 115e18, "settled collateral stays locked until payout");
        uint256 strangerBalance = gpuc.balanceOf(stranger);

        IJobEscrow.JobTerms[] memory middle = new IJobEscrow.JobTerms[](1);
        middle[0] = batch[1];
        vm.prank(stranger);
        assertEq(escrow.payOut(middle), 1, "the stranger's front-run paid one job");

        vm.recordLogs();
        vm.prank(provider);
        assertEq(escrow.payOut(batch), 2, "the provider's batch paid the other two");
        bytes32[] memory paidIds = _paidOutIds();
        assertEq(paidIds.length, 2, "two JobPaidOut events");
        assertEq(paidIds[0], ids[0], "the first job paid by the batch");
        assertEq(paidIds[1], ids[2], "the third job paid by the batch");

        uint256[3] memory pay = [uint256(60e18), 40e18, 20e18];
        uint256 net;
        uint256 fees;
        uint256 burns;
        for (uint256 i = 0; i < 3; ++i) {
            fees += pay[i] * FEE_BPS / 10_000;
            burns += pay[i] * BURN_BPS / 10_000;
            net += pay[i] - pay[i] * FEE_BPS / 10_000 - pay[i] * BURN_BPS / 10_000;
        }
        assertEq(escrow.claimable(provider), net, "the provider was paid for all three jobs, once");
        assertEq(escrow.claimable(consumer), 40e18 + 60e18, "the first consumer's two refunds, once");
        assertEq(escrow.claimable(consumer2), 10e18, "the second consumer's refund, once");
        assertEq(escrow.claimable(stranger), 0, "the stranger was credited nothing");
        assertEq(gpuc.balanceOf(stranger), strangerBalance, "the stranger's balance did not move");
        (uint128 accruedFees, uint128 accruedBurns) = escrow.accrued();
        assertEq(accruedFees, fees, "fees accrued once per job");
        assertEq(accruedBurns, burns, "burns accrued once per job");
        assertEq(staking.stakeOf(provider).locked, 0, "all collateral unlocked");
        assertEq(staking.stakeOf(provider).free, 500e18, "the whole stake is free again");

        // replaying the whole batch pays nothing more
        vm.prank(stranger);
        assertEq(escrow.payOut(batch), 0, "a replayed batch pays nothing");
        assertEq(escrow.claimable(provider), net, "the provider's credit did not grow");
    }

    /// @notice The terms name who is paid and hash to the job id, so a stranger cannot point a
    /// payout at itself (the altered terms are a job that was never opened), nor pay out a job
    /// before it is settled; either refusal leaves every job in the call unpaid.
    function test_StrangerCannotRedirectOrRushAPayOut() public {
        IJobEscrow.JobTerms memory u = settleOneJob();
        bytes32 id = escrow.jobIdOf(u);
        IJobEscrow.JobTerms memory forged = termsFor(consumer, stranger, u.budget, u.pricePerUnit);
        (forged.acceptDeadline, forged.deadline, forged.salt) = (u.acceptDeadline, u.deadline, u.salt);
        IJobEscrow.JobTerms[] memory list = new IJobEscrow.JobTerms[](2);
        (list[0], list[1]) = (u, forged);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, escrow.jobIdOf(forged)));
        escrow.payOut(list);

        // the setUp job, accepted and in progress, cannot be paid out before its verdict
        vm.prank(provider);
        escrow.accept(t);
        list[1] = t;
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotSettled.selector, jobId, IJobEscrow.Status.Accepted));
        escrow.payOut(list);

        (,,, bool paid) = escrow.jobs(id);
        assertFalse(paid, "the settled job in the refused calls was not paid");
        assertEq(escrow.claimable(stranger), 0, "nothing credited to the stranger");
        assertEq(escrow.claimable(provider), 0, "nothing credited to the provider yet");
        assertEq(
            staking.stakeOf(provider).locked,
            escrow.collateralFor(u.budget) + escrow.collateralFor(t.budget),
            "both collaterals still locked"
        );
    }

    function settleOneJob() internal returns (IJobEscrow.JobTerms memory u) {
        u = terms(100e18, 1e18);
        bytes32 id = openAndAccept(u);
        settleRelease(u, id, 100);
    }

    /// @dev The job ids of the JobPaidOut events recorded since vm.recordLogs, in order.
    function _paidOutIds() internal returns (bytes32[] memory ids) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 n = 0;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] == IJobEscrow.JobPaidOut.selector) ++n;
        }
        ids = new bytes32[](n);
        n = 0;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] == IJobEscrow.JobPaidOut.selector) ids[n++] = logs[i].topics[1];
        }
    }
}
