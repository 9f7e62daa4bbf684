// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EscrowTestBase} from "./EscrowTestBase.sol";
import {Signatures} from "../utils/Signatures.sol";
import {EscrowParameters} from "../../src/EscrowParameters.sol";
import {JobEscrow} from "../../src/JobEscrow.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice The dispute game of docs/disputes.md, branch by branch (issue 14, economics 1, 4, 7):
/// what the consumer, the provider and the committee can do, at what cost, and what each ends with.
/// Standard job: budget 100, price 1, receipt 60 units, bond 10, collateral 50, compensation cap 25.
contract JobEscrowDisputeGameTest is EscrowTestBase {
    // ---------------------------------------------------------------- the griefing attack, closed

    /// @notice Issue 14 (1): a consumer disputes an honest receipt in the last second and the
    /// committee stays silent. Before: the consumer got all 100 back, the provider nothing. Now
    /// the timeout settles as the receipt said and the bond goes to the provider: the dispute
    /// costs the consumer its bond and gains it nothing.
    function test_LateDisputeWithoutVerdict_PaysProviderAndCostsDisputerTheBond() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        vm.warp(block.timestamp + DISPUTE_WINDOW - 1); // the last second
        Money memory b = money();
        disputeAsConsumer(t);
        uint256 disputedAt = block.timestamp;
        vm.warp(disputedAt + VERDICT_WINDOW + 1);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSettled(jobId, 60, PAY_60, REFUND_60, FEE_60, BURN_60, resultOf(jobId), true);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.DisputeBondReleased(jobId, provider, BOND, false);
        vm.prank(stranger); // anyone may end a timed-out dispute
        escrow.finalize(t);
        assertStatus(jobId, IJobEscrow.Status.Settled);
        payOutOne(t);
        Delta memory d;
        d.consumerBal = -toInt(BOND);
        d.consumerClaim = toInt(REFUND_60);
        d.providerClaim = toInt(PAY_60 + BOND);
        d.fees = toInt(FEE_60);
        d.burns = toInt(BURN_60);
        d.escrowBal = toInt(BOND);
        d.free = toInt(COLLATERAL);
        d.locked = -toInt(COLLATERAL);
        assertDelta(b, money(), d);
        // Compared with not disputing (refund 40), the disputer is 10 (the bond) worse off.
        assertEq(escrow.claimable(consumer) + gpuc.balanceOf(consumer), b.consumerBal + REFUND_60 - BOND, "net");
    }

    /// @notice The verdict window counts from the dispute: a dispute in the last second of the
    /// dispute window leaves the committee the whole verdict window.
    function test_LateDispute_VerdictWindowDoesNotShrink() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        uint256 deliveredAt = block.timestamp;
        vm.warp(deliveredAt + DISPUTE_WINDOW - 1);
        disputeAsConsumer(t);
        uint256 last = block.timestamp + VERDICT_WINDOW;
        vm.warp(last); // past deliveredAt + 2 x disputeWindow, the old timeout
        assertGt(last, deliveredAt + 2 * DISPUTE_WINDOW, "past the old timeout");
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.TooEarly.selector, jobId, last + 1, last));
        escrow.finalize(t);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 2, 0);
        escrow.settle(t, v, sigs);
        assertStatus(jobId, IJobEscrow.Status.Slashed);
        assertEq(escrow.claimable(consumer), BUDGET + COMPENSATION + BOND, "budget, compensation and bond back");
    }

    function testFuzz_DisputeTimeout_OnlyAfterVerdictWindow(uint256 disputeAfter, uint256 wait) public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        vm.warp(block.timestamp + bound(disputeAfter, 0, DISPUTE_WINDOW - 1));
        disputeAsConsumer(t);
        uint256 disputedAt = block.timestamp;
        assertEq(escrow.disputedAt(jobId), disputedAt, "recorded");
        wait = bound(wait, 0, 3 * VERDICT_WINDOW);
        vm.warp(disputedAt + wait);
        if (wait <= VERDICT_WINDOW) {
            vm.expectRevert(
                abi.encodeWithSelector(IJobEscrow.TooEarly.selector, jobId, disputedAt + VERDICT_WINDOW + 1, block.timestamp)
            );
            escrow.finalize(t);
            assertStatus(jobId, IJobEscrow.Status.Disputed);
        } else {
            escrow.finalize(t);
            assertStatus(jobId, IJobEscrow.Status.Settled);
            assertEq(escrow.claimable(provider), BOND, "bond to the provider");
        }
    }

    /// @notice Every outcome of a dispute, with what consumer and provider end with (claimable,
    /// after payOut), from the moment before the dispute: bond b = 10, receipt 60 units.
    function test_DisputeOutcomes_Table() public {
        // verdict release 60 (receipt confirmed): consumer -b + 40, provider 59.1 + b
        _outcome(60, 1, 60, -int256(BOND) + toInt(REFUND_60), toInt(PAY_60 + BOND));
        // verdict release 40 (overclaim proven): consumer 60 (refund) + 0 (bond back), provider 39.4
        _outcome(60, 1, 40, 60e18, 39.4e18);
        // verdict fault: consumer budget + compensation (bond back), provider loses its collateral
        _outcome(60, 2, 0, toInt(BUDGET + COMPENSATION), 0);
    }

    function _outcome(uint64 claimed, uint8 outcome, uint64 units, int256 consumerNet, int256 providerNet) private {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, claimed);
        drain();
        Money memory b = money();
        disputeAsConsumer(t);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, outcome, units);
        escrow.settle(t, v, sigs);
        if (outcome == 1) payOutOne(t);
        Money memory a = money();
        int256 consumerGot =
            (int256(a.consumerBal) + int256(a.consumerClaim)) - (int256(b.consumerBal) + int256(b.consumerClaim));
        int256 providerGot = int256(a.providerClaim) - int256(b.providerClaim);
        assertEq(uint256(consumerGot + 1e30), uint256(consumerNet + 1e30), "consumer ends with");
        assertEq(uint256(providerGot + 1e30), uint256(providerNet + 1e30), "provider ends with");
        drain();
    }

    // ---------------------------------------------------------------- configuration (issue 14, 4 and 7)

    function test_RevertWhen_DeployWithZeroWindows() public {
        EscrowParameters.Config memory c = escrowConfig(COLLATERAL_BPS);
        c.disputeWindow = 0;
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.ZeroWindow.selector, IJobEscrow.EscrowParam.DisputeWindow));
        new JobEscrow(c);
        c = escrowConfig(COLLATERAL_BPS);
        c.verdictWindow = 0;
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.ZeroWindow.selector, IJobEscrow.EscrowParam.VerdictWindow));
        new JobEscrow(c);
        c.verdictWindow = 1;
        assertEq(new JobEscrow(c).verdictWindow(), 1, "one second is a window");
    }

    function test_RevertWhen_DeployWithBondOutOfRange() public {
        EscrowParameters.Config memory c = escrowConfig(COLLATERAL_BPS);
        c.disputeBondBps = 0; // a free dispute
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.BpsTooLow.selector, IJobEscrow.EscrowParam.DisputeBond, 0, 1));
        new JobEscrow(c);
        c.disputeBondBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.BpsTooHigh.selector, IJobEscrow.EscrowParam.DisputeBond, 10_001, 10_000));
        new JobEscrow(c);
        c.disputeBondBps = 1;
        assertEq(new JobEscrow(c).disputeBondFor(1), 1, "a bond is never zero (rounded up)");
    }

    function test_RevertWhen_DeployWithCompensationCapAboveMax() public {
        EscrowParameters.Config memory c = escrowConfig(COLLATERAL_BPS);
        c.compensationCapBps = 100_001;
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.BpsTooHigh.selector, IJobEscrow.EscrowParam.CompensationCap, 100_001, 100_000));
        new JobEscrow(c);
    }

    function test_Deploy_NewParameters() public view {
        assertEq(escrow.verdictWindow(), VERDICT_WINDOW, "verdict window");
        assertEq(escrow.disputeBondBps(), DISPUTE_BOND_BPS, "bond bps");
        assertEq(escrow.compensationCapBps(), COMPENSATION_CAP_BPS, "cap bps");
        assertEq(escrow.disputeBondFor(BUDGET), BOND, "bond");
        assertEq(escrow.compensationCapFor(BUDGET), COMPENSATION, "cap");
    }

    function test_RevertWhen_OpenWithMoreUnitsThanUint64() public {
        // budget / price = 2^64 units: one more than a receipt or verdict can carry.
        uint256 budget = uint256(type(uint64).max) + 1;
        fund(consumer, budget);
        IJobEscrow.JobTerms memory t = terms(budget, 1);
        vm.startPrank(consumer);
        gpuc.approve(address(escrow), budget);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.TooManyUnits.selector, budget, type(uint64).max));
        escrow.open(t);
        // price 2 halves the units: within range
        t.pricePerUnit = 2;
        escrow.open(t);
        vm.stopPrank();
    }

    /// @notice Issue 14 (7): at the defaults the consumer gets budget + 25 %, not + 50 %.
    function test_FaultCompensation_IsCapped() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        settleFault(t, jobId);
        assertEq(escrow.claimable(consumer), BUDGET + COMPENSATION, "125 %, not 150 %");
        (uint128 fees, uint128 burns) = escrow.accrued();
        assertEq(fees, SLASH_TREASURY, "treasury share of the rest");
        assertEq(burns, SLASH_BURNT, "burnt share of the rest");
    }

    // ---------------------------------------------------------------- one-transaction start

    function _signedProvider() private returns (address p, uint256 key) {
        (p, key) = makeKey("signing provider");
        fundAndStake(p, PROVIDER_STAKE);
    }

    function _openAccepted(IJobEscrow.JobTerms memory t, bytes memory acceptance) private returns (bytes32 jobId) {
        vm.startPrank(t.consumer);
        gpuc.approve(address(escrow), t.budget);
        jobId = escrow.openAccepted(t, acceptance);
        vm.stopPrank();
    }

    function test_OpenAccepted_OneTransaction() public {
        (address p, uint256 key) = _signedProvider();
        IJobEscrow.JobTerms memory t = termsFor(consumer, p, BUDGET, PRICE);
        bytes32 jobId = keccak256(abi.encode(t));
        bytes memory acceptance = Signatures.sign(key, escrow.acceptanceDigest(jobId));
        uint256 consumerBal = gpuc.balanceOf(consumer);
        vm.startPrank(consumer);
        gpuc.approve(address(escrow), BUDGET);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobOpened(jobId, consumer, p, t);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobAccepted(jobId, p, COLLATERAL);
        assertEq(escrow.openAccepted(t, acceptance), jobId, "job id");
        vm.stopPrank();
        assertStatus(jobId, IJobEscrow.Status.Accepted);
        assertEq(gpuc.balanceOf(consumer), consumerBal - BUDGET, "budget pulled");
        assertEq(staking.stakeOf(p).locked, COLLATERAL, "collateral locked");
        // and the job goes on as any accepted one
        vm.prank(p);
        escrow.submitReceipt(t, resultOf(jobId), 60);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        escrow.finalize(t);
        payOutOne(t);
        assertEq(escrow.claimable(p), PAY_60, "paid");
    }

    function test_RevertWhen_OpenAcceptedSignedByAnother() public {
        (address p,) = _signedProvider();
        IJobEscrow.JobTerms memory t = termsFor(consumer, p, BUDGET, PRICE);
        bytes32 jobId = keccak256(abi.encode(t));
        bytes memory forged = Signatures.sign(consumerKey, escrow.acceptanceDigest(jobId));
        vm.startPrank(consumer);
        gpuc.approve(address(escrow), BUDGET);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.InvalidAcceptance.selector, consumer, p));
        escrow.openAccepted(t, forged);
        vm.stopPrank();
        assertStatus(jobId, IJobEscrow.Status.None);
    }

    function test_RevertWhen_OpenAcceptedWithAcceptanceOfOtherTerms() public {
        // The acceptance names the job id, which hashes every term: a bigger budget, a lower
        // price or another salt is another job the provider never accepted.
        (address p, uint256 key) = _signedProvider();
        IJobEscrow.JobTerms memory t = termsFor(consumer, p, BUDGET, PRICE);
        bytes memory acceptance = Signatures.sign(key, escrow.acceptanceDigest(keccak256(abi.encode(t))));
        t.pricePerUnit = uint96(PRICE / 2);
        bytes32 otherId = keccak256(abi.encode(t));
        address recovered = ECDSA.recover(escrow.acceptanceDigest(otherId), acceptance);
        vm.startPrank(consumer);
        gpuc.approve(address(escrow), BUDGET);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.InvalidAcceptance.selector, recovered, p));
        escrow.openAccepted(t, acceptance);
        vm.stopPrank();
    }

    function test_RevertWhen_OpenAcceptedReplayed() public {
        (address p, uint256 key) = _signedProvider();
        IJobEscrow.JobTerms memory t = termsFor(consumer, p, BUDGET, PRICE);
        bytes32 jobId = keccak256(abi.encode(t));
        bytes memory acceptance = Signatures.sign(key, escrow.acceptanceDigest(jobId));
        _openAccepted(t, acceptance);
        vm.startPrank(consumer);
        gpuc.approve(address(escrow), BUDGET);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.JobExists.selector, jobId));
        escrow.openAccepted(t, acceptance);
        vm.stopPrank();
        assertEq(staking.stakeOf(p).locked, COLLATERAL, "locked once");
    }

    function test_RevertWhen_OpenAcceptedMalleated() public {
        (address p, uint256 key) = _signedProvider();
        IJobEscrow.JobTerms memory t = termsFor(consumer, p, BUDGET, PRICE);
        bytes32 digest = escrow.acceptanceDigest(keccak256(abi.encode(t)));
        bytes memory high = Signatures.highS(Signatures.sign(key, digest));
        (, bytes32 s,) = Signatures.split(high);
        vm.startPrank(consumer);
        gpuc.approve(address(escrow), BUDGET);
        vm.expectRevert(abi.encodeWithSelector(ECDSA.ECDSAInvalidSignatureS.selector, s));
        escrow.openAccepted(t, high);
        vm.stopPrank();
    }

    function test_RevertWhen_OpenAcceptedByStranger() public {
        // Only the consumer opens (and pays): a stranger holding the acceptance cannot.
        (address p, uint256 key) = _signedProvider();
        IJobEscrow.JobTerms memory t = termsFor(consumer, p, BUDGET, PRICE);
        bytes memory acceptance = Signatures.sign(key, escrow.acceptanceDigest(keccak256(abi.encode(t))));
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotConsumer.selector, stranger, consumer));
        escrow.openAccepted(t, acceptance);
    }

    function test_RevertWhen_OpenAcceptedProviderUnderstaked() public {
        (address p, uint256 key) = makeKey("unstaked provider");
        IJobEscrow.JobTerms memory t = termsFor(consumer, p, BUDGET, PRICE);
        bytes memory acceptance = Signatures.sign(key, escrow.acceptanceDigest(keccak256(abi.encode(t))));
        vm.startPrank(consumer);
        gpuc.approve(address(escrow), BUDGET);
        vm.expectRevert(abi.encodeWithSelector(IProviderStaking.InsufficientStake.selector, p, 0, COLLATERAL));
        escrow.openAccepted(t, acceptance);
        vm.stopPrank();
        assertEq(gpuc.balanceOf(address(escrow)), 0, "nothing moved");
    }

    function test_OpenAcceptedWithPermit_NoApprovalNeeded() public {
        (address p, uint256 key) = _signedProvider();
        IJobEscrow.JobTerms memory t = termsFor(consumer, p, BUDGET, PRICE);
        bytes32 jobId = keccak256(abi.encode(t));
        bytes memory acceptance = Signatures.sign(key, escrow.acceptanceDigest(jobId));
        SignedPermit memory permit = signPermit(gpuc, consumerKey, address(escrow), BUDGET, block.timestamp + 1 hours);
        assertEq(gpuc.allowance(consumer, address(escrow)), 0, "no allowance beforehand");
        vm.prank(consumer);
        escrow.openAcceptedWithPermit(t, acceptance, permit.deadline, permit.v, permit.r, permit.s);
        assertStatus(jobId, IJobEscrow.Status.Accepted);
        assertEq(staking.stakeOf(p).locked, COLLATERAL, "collateral locked");
    }

    // ---------------------------------------------------------------- settle and pay out in one step

    function test_SettleAndPayOut_ReleaseMovesTheMoneyAtOnce() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 60);
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobSettled(jobId, 60, PAY_60, REFUND_60, FEE_60, BURN_60, v.resultHash, false);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobPaidOut(jobId, provider, PAY_60, REFUND_60);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.CollateralUnlocked(provider, COLLATERAL);
        escrow.settleAndPayOut(t, v, sigs);
        assertStatus(jobId, IJobEscrow.Status.Settled);
        assertTrue(paidOutOf(jobId), "paid out");
        assertDelta(b, money(), releaseDelta60());
        assertEq(payOutOne(t), 0, "a later payOut skips it");
        assertDelta(b, money(), releaseDelta60());
    }

    function test_SettleAndPayOut_FaultSlashesOnly() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 2, 0);
        escrow.settleAndPayOut(t, v, sigs);
        assertStatus(jobId, IJobEscrow.Status.Slashed);
        assertFalse(paidOutOf(jobId), "a slash is not a payout");
        assertEq(escrow.claimable(consumer), BUDGET + COMPENSATION, "budget plus capped compensation");
    }

    function test_SettleAndPayOut_DisputedReleaseBondToProvider() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliverAndDispute(t, 60);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 60);
        escrow.settleAndPayOut(t, v, sigs);
        assertEq(escrow.claimable(provider), PAY_60 + BOND, "pay and bond");
        assertEq(escrow.claimable(consumer), REFUND_60, "refund only");
        assertEq(staking.stakeOf(provider).locked, 0, "collateral unlocked");
    }

    function test_RevertWhen_SettleAndPayOutTwice() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        (IJobEscrow.Verdict memory v, bytes memory sigs) = signedVerdict(jobId, 1, 60);
        escrow.settleAndPayOut(t, v, sigs);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Settled));
        escrow.settleAndPayOut(t, v, sigs);
    }
}
