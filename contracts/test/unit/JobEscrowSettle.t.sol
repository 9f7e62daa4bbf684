// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EscrowTestBase} from "./EscrowTestBase.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice JobEscrow: settle and settleBatch (k-of-n verdicts), and the EIP-712 digests they sign.
/// Standard job: budget 100 GPUC, 1 GPUC per unit, fee 1 %, burn 0.5 %, collateral 50 GPUC.
contract JobEscrowSettleTest is EscrowTestBase {
    /// @dev Collateral 50, compensation capped at 25 (2_500 bps of the budget): the other 25 is
    /// half burnt, half the treasury's.
    function faultDelta() internal pure returns (Delta memory d) {
        d.consumerClaim = toInt(BUDGET + COMPENSATION);
        d.escrowBal = toInt(COLLATERAL);
        d.stakingBal = -toInt(COLLATERAL);
        d.locked = -toInt(COLLATERAL);
        d.fees = toInt(SLASH_TREASURY);
        d.burns = toInt(SLASH_BURNT);
    }

    /// @dev Settlement records the release and moves nothing; payOut then moves releaseDelta60.
    function settleAndCheckRelease60(IJobEscrow.JobTerms memory t, bytes32 jobId) internal {
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 60);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSettled(jobId, 60, PAY_60, REFUND_60, FEE_60, BURN_60, v.resultHash, false);
        vm.recordLogs(); // after the expected emit, which is logged too
        vm.prank(stranger); // anyone may submit a signed verdict
        escrow.settle(t, v, sigs);
        assertSettledOnly(vm.getRecordedLogs(), jobId, b);
        assertStatus(jobId, IJobEscrow.Status.Settled);
        (,, uint64 units,) = escrow.jobs(jobId);
        assertEq(units, 60, "units recorded");
        assertEq(escrow.committedResult(jobId), bytes32(0), "commitment cleared");
        payOutAndCheckRelease60(t, jobId, provider);
    }

    function settleAndCheckFault(IJobEscrow.JobTerms memory t, bytes32 jobId) internal {
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 2, 0);
        Money memory b = money();
        bool disputed = statusOf(jobId) == IJobEscrow.Status.Disputed;
        // State first (JobSlashed, the bond), then the one staking call (Slashed, Transfer).
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSlashed(
            jobId, provider, COLLATERAL, COMPENSATION, SLASH_BURNT, SLASH_TREASURY, IJobEscrow.SlashReason.FaultVerdict
        );
        if (disputed) {
            vm.expectEmit(true, true, true, true, address(escrow));
            emit IJobEscrow.DisputeBondReleased(jobId, consumer, BOND, true);
        }
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.Slashed(provider, COLLATERAL, COLLATERAL, 0, 0, address(escrow));
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(address(staking), address(escrow), COLLATERAL);
        escrow.settle(t, v, sigs);
        assertStatus(jobId, IJobEscrow.Status.Slashed);
        Delta memory d = faultDelta();
        if (disputed) d.consumerClaim += toInt(BOND); // a proven fault returns the bond
        assertDelta(b, money(), d);
        assertEq(escrow.committedResult(jobId), bytes32(0), "commitment cleared");
    }

    // ---------------------------------------------------------------- settle: release

    function test_Emits_JobSettled_ReleaseFromAccepted() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        settleAndCheckRelease60(t, openAndAccept(t));
    }

    function test_Settle_ReleaseFromDelivered_PaysVerdictUnits() public {
        // The provider claimed 80 units; the committee found 60: the verdict wins.
        IJobEscrow.JobTerms memory t = stdTerms();
        settleAndCheckRelease60(t, deliver(t, 80));
    }

    function test_Settle_ReleaseFromDisputed_BondToProvider() public {
        // The verdict confirms the receipt's 60 units: no fault proven, the bond is the provider's.
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliverAndDispute(t, 60);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 60);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSettled(jobId, 60, PAY_60, REFUND_60, FEE_60, BURN_60, v.resultHash, false);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.DisputeBondReleased(jobId, provider, BOND, false);
        escrow.settle(t, v, sigs);
        Delta memory d;
        d.providerClaim = toInt(BOND);
        assertDelta(b, money(), d);
        payOutAndCheckRelease60(t, jobId, provider);
    }

    function test_Settle_ReleaseFromDisputed_FewerUnitsReturnsBond() public {
        // The provider claimed 80, the committee found 60: an overclaim is a proven fault.
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliverAndDispute(t, 80);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 60);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.DisputeBondReleased(jobId, consumer, BOND, true);
        escrow.settle(t, v, sigs);
        Delta memory d;
        d.consumerClaim = toInt(BOND);
        assertDelta(b, money(), d);
    }

    function test_Settle_ReleaseThenEveryonePaidExactly() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        Money memory b = money();
        settleReleaseAndPayOut(t, jobId, 60);
        drain();
        assertDelta(b, money(), drainedDelta60());
        assertEq(gpuc.balanceOf(address(escrow)), 0, "escrow empty");
    }

    function test_Settle_ReleaseWholeBudget() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 100);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 100);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSettled(jobId, 100, 98.5e18, 0, 1e18, 0.5e18, v.resultHash, false);
        vm.recordLogs(); // after the expected emit, which is logged too
        escrow.settle(t, v, sigs);
        assertSettledOnly(vm.getRecordedLogs(), jobId, b);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobPaidOut(jobId, provider, 98.5e18, 0);
        payOutOne(t);
        Delta memory d;
        d.providerClaim = 98.5e18;
        d.fees = 1e18;
        d.burns = 0.5e18;
        d.free = toInt(COLLATERAL);
        d.locked = -toInt(COLLATERAL);
        assertDelta(b, money(), d); // consumer claimable unchanged: nothing to refund
    }

    function test_Settle_ReleaseZeroUnitsRefundsAll() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 0);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSettled(jobId, 0, 0, BUDGET, 0, 0, v.resultHash, false);
        vm.recordLogs(); // after the expected emit, which is logged too
        escrow.settle(t, v, sigs);
        assertSettledOnly(vm.getRecordedLogs(), jobId, b);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobPaidOut(jobId, provider, 0, BUDGET);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.CollateralUnlocked(provider, COLLATERAL);
        assertEq(payOutOne(t), 1, "a zero-unit release is paid out too");
        Delta memory d;
        d.consumerClaim = toInt(BUDGET);
        d.free = toInt(COLLATERAL);
        d.locked = -toInt(COLLATERAL);
        assertDelta(b, money(), d);
    }

    // ---------------------------------------------------------------- settle: fault

    function test_Emits_JobSlashed_FaultFromAccepted() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        settleAndCheckFault(t, openAndAccept(t));
    }

    function test_Settle_FaultFromDelivered() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        settleAndCheckFault(t, deliver(t, 60));
    }

    function test_Settle_FaultFromDisputed_ThenEveryonePaidExactly() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliverAndDispute(t, 60);
        Money memory b = money();
        settleAndCheckFault(t, jobId);
        drain();
        Delta memory d;
        d.consumerBal = toInt(BUDGET + COMPENSATION + BOND);
        d.treasuryBal = toInt(SLASH_TREASURY);
        d.supply = -toInt(SLASH_BURNT);
        d.escrowBal = -toInt(BUDGET + BOND);
        d.stakingBal = -toInt(COLLATERAL);
        d.locked = -toInt(COLLATERAL);
        assertDelta(b, money(), d);
        assertEq(gpuc.balanceOf(address(escrow)), 0, "escrow empty");
    }

    // ---------------------------------------------------------------- settle: reverts

    function test_RevertWhen_VerdictForAnotherJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        bytes32 otherId = openAndAccept(stdTerms());
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(otherId, 1, 60);
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.VerdictJobMismatch.selector, jobId, otherId));
        escrow.settle(t, v, sigs);
        assertUnchanged(b);
    }

    function test_RevertWhen_SignaturesOverAnotherVerdict() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 2, 0);
        // Flip the signed fault into a release: the first signature now recovers a stranger.
        v.outcome = 1;
        v.units = 100;
        address recovered = recoverFirst(escrow.verdictDigest(v), sigs);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.UnknownSigner.selector, recovered));
        escrow.settle(t, v, sigs);
        assertStatus(jobId, IJobEscrow.Status.Accepted);
    }

    function test_RevertWhen_VerdictBelowThreshold() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        IJobEscrow.Verdict memory v = verdict(jobId, 1, 60);
        bytes memory one = sig(oracleKeys[0], escrow.verdictDigest(v));
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InsufficientSignatures.selector, 1, 2));
        escrow.settle(t, v, one);
    }

    function test_RevertWhen_VerdictBelowRaisedThreshold() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 60);
        vm.prank(admin);
        committee.setThreshold(3);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InsufficientSignatures.selector, 2, 3));
        escrow.settle(t, v, sigs);
        assertStatus(jobId, IJobEscrow.Status.Accepted);
    }

    function test_RevertWhen_SettleUnknownJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = keccak256(abi.encode(t));
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 60);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, jobId));
        escrow.settle(t, v, sigs);
    }

    function test_RevertWhen_SettleOpenJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 60);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Open));
        escrow.settle(t, v, sigs);
    }

    function test_RevertWhen_SettledTwice() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 60);
        escrow.settle(t, v, sigs);
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Settled));
        escrow.settle(t, v, sigs);
        // A fault verdict cannot overturn it either.
        (IJobEscrow.Verdict memory f, bytes memory fsigs) = signedVerdict(jobId, 2, 0);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Settled));
        escrow.settle(t, f, fsigs);
        assertUnchanged(b);
        // Nor once it is paid out: the status stays Settled, the flag is beside it.
        payOutOne(t);
        b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Settled));
        escrow.settle(t, f, fsigs);
        assertUnchanged(b);
        assertTrue(paidOutOf(jobId), "still paid out");
    }

    function test_RevertWhen_SettleSlashedJob() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        settleFault(t, jobId);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 60);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Slashed));
        escrow.settle(t, v, sigs);
    }

    function test_RevertWhen_OutcomeInvalid() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        (IJobEscrow.Verdict memory v0, bytes memory sigs0) = signedVerdict(jobId, 0, 60);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.InvalidOutcome.selector, jobId, 0));
        escrow.settle(t, v0, sigs0);
        (IJobEscrow.Verdict memory v3, bytes memory sigs3) = signedVerdict(jobId, 3, 60);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.InvalidOutcome.selector, jobId, 3));
        escrow.settle(t, v3, sigs3);
        assertStatus(jobId, IJobEscrow.Status.Accepted);
    }

    function test_RevertWhen_VerdictUnitsAboveBudget() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 100);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 101);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnitsExceedMax.selector, jobId, 101, 100));
        escrow.settle(t, v, sigs);
        assertStatus(jobId, IJobEscrow.Status.Delivered);
    }

    function testFuzz_Settle_ReleaseSplitsBudgetExactly(uint96 budget, uint96 price, uint64 units) public {
        budget = uint96(bound(budget, 1, CONSUMER_FUNDS));
        price = uint96(bound(price, uint256(budget) / type(uint64).max + 1, budget));
        units = uint64(bound(units, 0, budget / price));
        IJobEscrow.JobTerms memory t = terms(budget, price);
        bytes32 jobId = openAndAccept(t);
        Money memory b = money();
        settleRelease(t, jobId, units);
        assertUnchanged(b);
        payOutOne(t);
        Money memory a = money();
        assertEq(a.free - b.free, collateralOf(budget), "collateral freed");
        assertEq(b.locked - a.locked, collateralOf(budget), "collateral unlocked");
        uint256 pay = uint256(units) * price;
        uint256 fee = pay * FEE_BPS / 10_000;
        uint256 burn = pay * BURN_BPS / 10_000;
        assertEq(a.providerClaim - b.providerClaim, pay - fee - burn, "provider");
        assertEq(a.consumerClaim - b.consumerClaim, budget - pay, "consumer");
        assertEq(a.fees - b.fees, fee, "fee");
        assertEq(a.burns - b.burns, burn, "burn");
        assertEq(
            (a.providerClaim - b.providerClaim) + (a.consumerClaim - b.consumerClaim) + (a.fees - b.fees)
                + (a.burns - b.burns),
            budget,
            "the budget is split, not created"
        );
        drain();
        assertEq(gpuc.balanceOf(address(escrow)), 0, "escrow empty");
    }

    // ---------------------------------------------------------------- settleBatch

    function test_RevertWhen_BatchEmpty() public {
        IJobEscrow.Settlement[] memory none = new IJobEscrow.Settlement[](0);
        uint64 epoch = committee.epoch();
        vm.expectRevert(IJobEscrow.EmptyBatch.selector);
        escrow.settleBatch(none, epoch, "");
    }

    function test_SettleBatch_MixedOutcomes() public {
        IJobEscrow.Settlement[] memory s = new IJobEscrow.Settlement[](3);
        s[0].terms = stdTerms();
        s[1].terms = stdTerms();
        s[2].terms = stdTerms();
        bytes32 a = openAndAccept(s[0].terms);
        bytes32 f = deliver(s[1].terms, 50);
        bytes32 c = deliverAndDispute(s[2].terms, 60);
        s[0].verdict = item(a, 1, 60);
        s[1].verdict = item(f, 2, 0);
        s[2].verdict = item(c, 1, 60);
        uint64 epoch = committee.epoch();
        bytes memory sigs = signBatch(s, epoch);
        Money memory b = money();

        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSettled(a, 60, PAY_60, REFUND_60, FEE_60, BURN_60, resultOf(a), false);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSlashed(
            f, provider, COLLATERAL, COMPENSATION, SLASH_BURNT, SLASH_TREASURY, IJobEscrow.SlashReason.FaultVerdict
        );
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSettled(c, 60, PAY_60, REFUND_60, FEE_60, BURN_60, resultOf(c), false);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.DisputeBondReleased(c, provider, BOND, false);
        escrow.settleBatch(s, epoch, sigs);

        assertStatus(a, IJobEscrow.Status.Settled);
        assertStatus(f, IJobEscrow.Status.Slashed);
        assertStatus(c, IJobEscrow.Status.Settled);
        // Only the fault (and the disputed job's bond) moved money at settlement; the two
        // releases wait for payOut.
        Delta memory fd = faultDelta();
        fd.providerClaim = toInt(BOND);
        assertDelta(b, money(), fd);
        Money memory mid = money();

        IJobEscrow.JobTerms[] memory both = new IJobEscrow.JobTerms[](2);
        both[0] = s[0].terms;
        both[1] = s[2].terms;
        vm.recordLogs();
        assertEq(escrow.payOut(both), 2, "both releases paid out");
        (address[] memory who, uint256[] memory amount) = unlocksIn(vm.getRecordedLogs());
        assertEq(who.length, 1, "one provider: one unlock");
        assertEq(who[0], provider, "unlocked for the provider");
        assertEq(amount[0], 2 * COLLATERAL, "both collaterals at once");
        Delta memory d;
        d.providerClaim = toInt(2 * PAY_60);
        d.consumerClaim = toInt(2 * REFUND_60);
        d.fees = toInt(2 * FEE_60);
        d.burns = toInt(2 * BURN_60);
        d.free = toInt(2 * COLLATERAL);
        d.locked = -toInt(2 * COLLATERAL);
        assertDelta(mid, money(), d);
        drain();
        assertEq(gpuc.balanceOf(address(escrow)), 0, "escrow empty");
    }

    function test_Emits_SettlementSkipped_AlreadyFinalized() public {
        IJobEscrow.Settlement[] memory s = new IJobEscrow.Settlement[](2);
        s[0].terms = stdTerms();
        s[1].terms = stdTerms();
        bytes32 done = deliver(s[0].terms, 60);
        bytes32 live = openAndAccept(s[1].terms);
        s[0].verdict = item(done, 2, 0);
        s[1].verdict = item(live, 1, 60);
        uint64 epoch = committee.epoch();
        bytes memory sigs = signBatch(s, epoch);
        // The optimistic path wins the race for the first job.
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        escrow.finalize(s[0].terms);
        Money memory b = money();

        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.SettlementSkipped(done, IJobEscrow.Status.Settled);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSettled(live, 60, PAY_60, REFUND_60, FEE_60, BURN_60, resultOf(live), false);
        escrow.settleBatch(s, epoch, sigs);
        assertStatus(done, IJobEscrow.Status.Settled);
        assertUnchanged(b);
        // The skipped entry did not overwrite the optimistic outcome: done pays its 60 units.
        payOutAndCheckRelease60(s[0].terms, done, consumer);
        payOutAndCheckRelease60(s[1].terms, live, provider);
    }

    function test_SettleBatch_DuplicateEntryPaysOnce() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        IJobEscrow.Settlement[] memory s = new IJobEscrow.Settlement[](2);
        s[0] = IJobEscrow.Settlement({terms: t, verdict: item(jobId, 1, 60)});
        s[1] = IJobEscrow.Settlement({terms: t, verdict: item(jobId, 1, 60)});
        uint64 epoch = committee.epoch();
        bytes memory sigs = signBatch(s, epoch);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.SettlementSkipped(jobId, IJobEscrow.Status.Settled);
        escrow.settleBatch(s, epoch, sigs);
        assertUnchanged(b);
        payOutAndCheckRelease60(t, jobId, stranger);
    }

    function test_RevertWhen_BatchEntryIsUnknownJob() public {
        // An entry for terms never opened means the committee signed something wrong: the
        // whole batch reverts (only jobs settled by someone else first are skipped).
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 ghost = keccak256(abi.encode(t));
        IJobEscrow.Settlement[] memory s = new IJobEscrow.Settlement[](1);
        s[0] = IJobEscrow.Settlement({terms: t, verdict: item(ghost, 1, 60)});
        uint64 epoch = committee.epoch();
        bytes memory sigs = signBatch(s, epoch);
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, ghost));
        escrow.settleBatch(s, epoch, sigs);
        assertUnchanged(b);
        assertStatus(ghost, IJobEscrow.Status.None);
    }

    function test_RevertWhen_BatchEntryNamesAnotherJob() public {
        IJobEscrow.Settlement[] memory s = new IJobEscrow.Settlement[](2);
        s[0].terms = stdTerms();
        s[1].terms = stdTerms();
        bytes32 a = openAndAccept(s[0].terms);
        bytes32 c = openAndAccept(s[1].terms);
        s[0].verdict = item(a, 1, 60);
        s[1].verdict = item(a, 1, 60); // names job a under job c's terms
        uint64 epoch = committee.epoch();
        bytes memory sigs = signBatch(s, epoch);
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.VerdictJobMismatch.selector, c, a));
        escrow.settleBatch(s, epoch, sigs);
        assertUnchanged(b);
        assertStatus(a, IJobEscrow.Status.Accepted);
    }

    function test_RevertWhen_BatchEntryOutcomeInvalid() public {
        IJobEscrow.Settlement[] memory s = new IJobEscrow.Settlement[](2);
        s[0].terms = stdTerms();
        s[1].terms = stdTerms();
        bytes32 a = openAndAccept(s[0].terms);
        bytes32 c = openAndAccept(s[1].terms);
        s[0].verdict = item(a, 1, 60);
        s[1].verdict = item(c, 7, 0);
        uint64 epoch = committee.epoch();
        bytes memory sigs = signBatch(s, epoch);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.InvalidOutcome.selector, c, 7));
        escrow.settleBatch(s, epoch, sigs);
        assertStatus(a, IJobEscrow.Status.Accepted);
    }

    function test_BatchSignedBeforeCommitteeChange_SettlesWhileSignersRemain() public {
        IJobEscrow.Settlement[] memory s = new IJobEscrow.Settlement[](1);
        s[0].terms = stdTerms();
        bytes32 a = openAndAccept(s[0].terms);
        s[0].verdict = item(a, 1, 60);
        uint64 epoch = committee.epoch();
        bytes memory sigs = signBatch(s, epoch);
        vm.prank(admin);
        committee.removeMember(oracles[2]); // signers 0 and 1 remain
        escrow.settleBatch(s, epoch, sigs);
        assertStatus(a, IJobEscrow.Status.Settled);
    }

    function test_RevertWhen_BatchSignerRemovedAfterSigning() public {
        IJobEscrow.Settlement[] memory s = new IJobEscrow.Settlement[](1);
        s[0].terms = stdTerms();
        bytes32 a = openAndAccept(s[0].terms);
        s[0].verdict = item(a, 1, 60);
        uint64 epoch = committee.epoch();
        bytes memory sigs = signBatch(s, epoch);
        vm.prank(admin);
        committee.removeMember(oracles[1]);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.UnknownSigner.selector, oracles[1]));
        escrow.settleBatch(s, epoch, sigs);
        assertStatus(a, IJobEscrow.Status.Accepted);
    }

    function test_RevertWhen_BatchItemTampered() public {
        IJobEscrow.Settlement[] memory s = new IJobEscrow.Settlement[](1);
        s[0].terms = stdTerms();
        bytes32 a = openAndAccept(s[0].terms);
        s[0].verdict = item(a, 1, 60);
        uint64 epoch = committee.epoch();
        bytes memory sigs = signBatch(s, epoch);
        s[0].verdict.units = 100;
        IJobEscrow.VerdictItem[] memory items = new IJobEscrow.VerdictItem[](1);
        items[0] = s[0].verdict;
        address recovered = recoverFirst(escrow.verdictBatchDigest(items, epoch), sigs);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.UnknownSigner.selector, recovered));
        escrow.settleBatch(s, epoch, sigs);
    }

    // ---------------------------------------------------------------- digests

    function domainSeparator() internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("GPUC JobEscrow"),
                keccak256("1"),
                block.chainid,
                address(escrow)
            )
        );
    }

    function test_VerdictDigest_IsEip712() public view {
        IJobEscrow.Verdict memory v = verdict(keccak256("job"), 1, 42);
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Verdict(bytes32 jobId,uint8 outcome,uint64 units,bytes32 resultHash,uint64 epoch)"),
                v.jobId,
                v.outcome,
                v.units,
                v.resultHash,
                v.epoch
            )
        );
        assertEq(
            escrow.verdictDigest(v), keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash)), "digest"
        );
    }

    function test_VerdictBatchDigest_IsEip712() public view {
        IJobEscrow.VerdictItem[] memory items = new IJobEscrow.VerdictItem[](2);
        items[0] = item(keccak256("a"), 1, 5);
        items[1] = item(keccak256("b"), 2, 0);
        bytes32 itemType = keccak256("VerdictItem(bytes32 jobId,uint8 outcome,uint64 units,bytes32 resultHash)");
        bytes32 h0 =
            keccak256(abi.encode(itemType, items[0].jobId, items[0].outcome, items[0].units, items[0].resultHash));
        bytes32 h1 =
            keccak256(abi.encode(itemType, items[1].jobId, items[1].outcome, items[1].units, items[1].resultHash));
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "VerdictBatch(VerdictItem[] items,uint64 epoch)VerdictItem(bytes32 jobId,uint8 outcome,uint64 units,bytes32 resultHash)"
                ),
                keccak256(abi.encodePacked(h0, h1)),
                uint64(9)
            )
        );
        assertEq(
            escrow.verdictBatchDigest(items, 9),
            keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash)),
            "batch digest"
        );
    }

    function test_ReceiptDigest_IsEip712() public view {
        IJobEscrow.Receipt memory r = IJobEscrow.Receipt({
            jobId: keccak256("job"),
            resultHash: keccak256("result"),
            units: 7,
            startedAt: 1_700_000_000,
            finishedAt: 1_700_000_600
        });
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Receipt(bytes32 jobId,bytes32 resultHash,uint64 units,uint64 startedAt,uint64 finishedAt)"),
                r.jobId,
                r.resultHash,
                r.units,
                r.startedAt,
                r.finishedAt
            )
        );
        assertEq(
            escrow.receiptDigest(r), keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash)), "digest"
        );
    }

    /// @dev Who the first 65-byte signature recovers to over `digest` (plain ecrecover).
    function recoverFirst(bytes32 digest, bytes memory sigs) internal pure returns (address) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(sigs, 32))
            s := mload(add(sigs, 64))
            v := byte(0, mload(add(sigs, 96)))
        }
        return ecrecover(digest, v, r, s);
    }
}
