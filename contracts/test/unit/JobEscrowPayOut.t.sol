// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EscrowTestBase} from "./EscrowTestBase.sol";
import {Vm} from "../utils/Vm.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice JobEscrow.payOut: the second half of a release. Settlement (settle, settleBatch,
/// finalize) only records the outcome; payOut credits provider and consumer, accrues fee and
/// burn, and unlocks the collateral (once per run of one provider), exactly once per job.
/// Standard job: budget 100 GPUC, 1 GPUC per unit, fee 1 %, burn 0.5 %, collateral 50 GPUC.
contract JobEscrowPayOutTest is EscrowTestBase {
    address internal provider2;
    address internal provider3;

    function setUp() public override {
        super.setUp();
        provider2 = makeAddr("provider2");
        provider3 = makeAddr("provider3");
        fundAndStake(provider2, PROVIDER_STAKE);
        fundAndStake(provider3, PROVIDER_STAKE);
    }

    /// @dev A standard job settled by a 60-unit release verdict, not paid out.
    function settled60() internal returns (IJobEscrow.JobTerms memory t, bytes32 jobId) {
        t = stdTerms();
        jobId = openAndAccept(t);
        settleRelease(t, jobId, 60);
    }

    function list(IJobEscrow.JobTerms memory a) internal pure returns (IJobEscrow.JobTerms[] memory ts) {
        ts = new IJobEscrow.JobTerms[](1);
        ts[0] = a;
    }

    function list(IJobEscrow.JobTerms memory a, IJobEscrow.JobTerms memory b)
        internal
        pure
        returns (IJobEscrow.JobTerms[] memory ts)
    {
        ts = new IJobEscrow.JobTerms[](2);
        ts[0] = a;
        ts[1] = b;
    }

    function countPaidOut(Vm.Log[] memory logs) internal view returns (uint256 n) {
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == address(escrow) && logs[i].topics[0] == IJobEscrow.JobPaidOut.selector) ++n;
        }
    }

    // ---------------------------------------------------------------- events and money

    function test_Emits_JobPaidOut() public {
        (IJobEscrow.JobTerms memory t, bytes32 jobId) = settled60();
        payOutAndCheckRelease60(t, jobId, consumer);
        (IJobEscrow.Status st, uint40 deliveredAt, uint64 units, bool paidOut) = escrow.jobs(jobId);
        assertEq(uint256(st), uint256(IJobEscrow.Status.Settled), "status stays Settled");
        assertEq(deliveredAt, 0, "never delivered");
        assertEq(units, 60, "units kept");
        assertTrue(paidOut, "paid-out flag set");
    }

    function test_PayOut_ByStranger_PaysProviderAndConsumer() public {
        (IJobEscrow.JobTerms memory t, bytes32 jobId) = settled60();
        Money memory b = money();
        vm.prank(stranger);
        assertEq(escrow.payOut(list(t)), 1, "paid");
        assertDelta(b, money(), releaseDelta60());
        assertEq(escrow.claimable(stranger), 0, "caller credited nothing");
        assertEq(gpuc.balanceOf(stranger), 0, "caller paid nothing");
        assertTrue(paidOutOf(jobId), "flag set");
        // The credits are the parties' own: each pulls exactly its share.
        drain();
        assertDelta(b, money(), drainedDelta60());
        assertEq(gpuc.balanceOf(address(escrow)), 0, "escrow empty");
    }

    function test_PayOut_AfterOptimisticFinalize() public {
        // 80 units: pay 80, fee 0.8, burn 0.4, provider 78.8, consumer refund 20.
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 80);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        Money memory b = money();
        escrow.finalize(t);
        assertUnchanged(b);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobPaidOut(jobId, provider, 78.8e18, 20e18);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.CollateralUnlocked(provider, COLLATERAL);
        assertEq(escrow.payOut(list(t)), 1, "paid");
        Delta memory d;
        d.providerClaim = 78.8e18;
        d.consumerClaim = 20e18;
        d.fees = 0.8e18;
        d.burns = 0.4e18;
        d.free = toInt(COLLATERAL);
        d.locked = -toInt(COLLATERAL);
        assertDelta(b, money(), d);
    }

    function test_PayOut_EmptyListPaysNothing() public {
        settled60();
        Money memory b = money();
        vm.recordLogs();
        assertEq(escrow.payOut(new IJobEscrow.JobTerms[](0)), 0, "nothing paid");
        assertEq(vm.getRecordedLogs().length, 0, "no events");
        assertUnchanged(b);
    }

    // ---------------------------------------------------------------- exactly once

    function test_PayOut_SkipsAlreadyPaid() public {
        (IJobEscrow.JobTerms memory t, bytes32 jobId) = settled60();
        escrow.payOut(list(t));
        Money memory b = money();
        vm.recordLogs();
        vm.prank(stranger);
        assertEq(escrow.payOut(list(t)), 0, "second call pays nothing");
        assertEq(vm.getRecordedLogs().length, 0, "no JobPaidOut, no unlock");
        assertUnchanged(b);
        assertTrue(paidOutOf(jobId), "still paid out");
        assertStatus(jobId, IJobEscrow.Status.Settled);
    }

    function test_PayOut_DuplicateInOneCallPaysOnce() public {
        (IJobEscrow.JobTerms memory t, bytes32 jobId) = settled60();
        IJobEscrow.JobTerms[] memory ts = new IJobEscrow.JobTerms[](3);
        ts[0] = t;
        ts[1] = t;
        ts[2] = t;
        Money memory b = money();
        vm.recordLogs();
        assertEq(escrow.payOut(ts), 1, "paid once");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(countPaidOut(logs), 1, "one JobPaidOut");
        (address[] memory who, uint256[] memory amount) = unlocksIn(logs);
        assertEq(who.length, 1, "one unlock");
        assertEq(amount[0], COLLATERAL, "collateral unlocked once");
        assertDelta(b, money(), releaseDelta60());
        assertTrue(paidOutOf(jobId), "flag set");
    }

    function test_PayOut_AccruesFeesAndBurnsOnce() public {
        (IJobEscrow.JobTerms memory t1,) = settled60();
        (IJobEscrow.JobTerms memory t2,) = settled60();
        (uint128 fees, uint128 burns) = escrow.accrued();
        assertEq(fees, 0, "settlement accrues no fee");
        assertEq(burns, 0, "settlement accrues no burn");

        escrow.payOut(list(t1));
        (fees, burns) = escrow.accrued();
        assertEq(fees, FEE_60, "first job's fee");
        assertEq(burns, BURN_60, "first job's burn");
        // Empty the accumulators: paying t1 again must not refill them.
        escrow.collectFees();
        escrow.burnAccrued();
        assertEq(escrow.payOut(list(t1)), 0, "t1 already paid");
        (fees, burns) = escrow.accrued();
        assertEq(fees, 0, "no second fee");
        assertEq(burns, 0, "no second burn");

        assertEq(escrow.payOut(list(t1, t2)), 1, "only t2 paid");
        (fees, burns) = escrow.accrued();
        assertEq(fees, FEE_60, "second job's fee only");
        assertEq(burns, BURN_60, "second job's burn only");
        drain();
        assertEq(gpuc.balanceOf(address(escrow)), 0, "escrow empty");
        assertEq(gpuc.balanceOf(treasury), 2 * FEE_60, "treasury got two fees");
    }

    function test_PayOut_SkippedEntryDoesNotSplitRun() public {
        (IJobEscrow.JobTerms memory t1,) = settled60();
        (IJobEscrow.JobTerms memory t2,) = settled60();
        (IJobEscrow.JobTerms memory t3,) = settled60();
        escrow.payOut(list(t2));
        IJobEscrow.JobTerms[] memory ts = new IJobEscrow.JobTerms[](3);
        ts[0] = t1;
        ts[1] = t2; // already paid: skipped inside the provider's run
        ts[2] = t3;
        vm.recordLogs();
        assertEq(escrow.payOut(ts), 2, "t1 and t3 paid");
        (address[] memory who, uint256[] memory amount) = unlocksIn(vm.getRecordedLogs());
        assertEq(who.length, 1, "one unlock for the run");
        assertEq(who[0], provider, "the provider");
        assertEq(amount[0], 2 * COLLATERAL, "t1 and t3 collateral");
        assertEq(staking.stakeOf(provider).locked, 0, "nothing left locked");
    }

    // ---------------------------------------------------------------- batches across providers

    /// @dev Seven jobs in runs: provider (A1, A2), provider2 (B1), provider (A3), provider2 (B2, B3), provider3 (C1).
    function mixedJob(uint256 i) internal view returns (address who, uint96 budget, uint64 units) {
        address[7] memory whos = [provider, provider, provider2, provider, provider2, provider2, provider3];
        uint96[7] memory budgets = [uint96(100e18), 40e18, 60e18, 10e18, 80e18, 30e18, 20e18];
        uint64[7] memory unitss = [uint64(60), 40, 0, 7, 80, 15, 1];
        return (whos[i], budgets[i], unitss[i]);
    }

    /// @dev Per provider (provider, provider2, provider3): free stake, locked stake, claimable.
    struct Book {
        uint256[3] free;
        uint256[3] locked;
        uint256[3] claim;
        uint256 consumerClaim;
        uint256 fees;
        uint256 burns;
    }

    function book() internal view returns (Book memory bk) {
        address[3] memory ps = [provider, provider2, provider3];
        for (uint256 k = 0; k < 3; ++k) {
            IProviderStaking.StakeAccount memory s = staking.stakeOf(ps[k]);
            bk.free[k] = s.free;
            bk.locked[k] = s.locked;
            bk.claim[k] = escrow.claimable(ps[k]);
        }
        bk.consumerClaim = escrow.claimable(consumer);
        (bk.fees, bk.burns) = escrow.accrued();
    }

    /// @dev What paying out all seven mixed jobs must add to each Book field (locked is subtracted).
    function mixedExpected() internal view returns (Book memory e) {
        for (uint256 i = 0; i < 7; ++i) {
            (address who, uint96 budget, uint64 units) = mixedJob(i);
            uint256 k = who == provider ? 0 : who == provider2 ? 1 : 2;
            uint256 pay = uint256(units) * PRICE;
            uint256 fee = pay * FEE_BPS / 10_000;
            uint256 burn = pay * BURN_BPS / 10_000;
            e.claim[k] += pay - fee - burn;
            e.free[k] += collateralOf(budget);
            e.locked[k] += collateralOf(budget);
            e.consumerClaim += budget - pay;
            e.fees += fee;
            e.burns += burn;
        }
    }

    function test_PayOut_BatchAcrossProviders_UnlocksOncePerRun() public {
        IJobEscrow.JobTerms[] memory ts = new IJobEscrow.JobTerms[](7);
        for (uint256 i = 0; i < 7; ++i) {
            (address who, uint96 budget, uint64 units) = mixedJob(i);
            ts[i] = termsFor(consumer, who, budget, PRICE);
            settleRelease(ts[i], openAndAccept(ts[i]), units);
        }
        Book memory b = book();
        uint256 escrowBefore = gpuc.balanceOf(address(escrow));

        for (uint256 i = 0; i < 7; ++i) {
            (address who, uint96 budget, uint64 units) = mixedJob(i);
            uint256 pay = uint256(units) * PRICE;
            vm.expectEmit(true, true, true, true, address(escrow));
            emit IJobEscrow.JobPaidOut(
                keccak256(abi.encode(ts[i])), who, pay - pay * (FEE_BPS + BURN_BPS) / 10_000, budget - pay
            );
        }
        vm.recordLogs();
        vm.prank(stranger);
        assertEq(escrow.payOut(ts), 7, "all seven paid");

        (address[] memory unlockedFor, uint256[] memory amount) = unlocksIn(vm.getRecordedLogs());
        assertEq(unlockedFor.length, 5, "one unlock per run");
        address[5] memory runOf = [provider, provider2, provider, provider2, provider3];
        uint256[5] memory runAmount = [uint256(70e18), 30e18, 5e18, 55e18, 10e18];
        for (uint256 r = 0; r < 5; ++r) {
            assertEq(unlockedFor[r], runOf[r], "run provider");
            assertEq(amount[r], runAmount[r], "run collateral");
        }

        Book memory a = book();
        Book memory e = mixedExpected();
        for (uint256 k = 0; k < 3; ++k) {
            assertEq(a.locked[k], b.locked[k] - e.locked[k], "locked per provider");
            assertEq(a.locked[k], 0, "no collateral left locked");
            assertEq(a.free[k], b.free[k] + e.free[k], "free per provider");
            assertEq(a.claim[k], b.claim[k] + e.claim[k], "claimable per provider");
        }
        assertEq(a.consumerClaim, b.consumerClaim + e.consumerClaim, "consumer refunds");
        assertEq(a.fees, b.fees + e.fees, "fees");
        assertEq(a.burns, b.burns + e.burns, "burns");
        assertEq(gpuc.balanceOf(address(escrow)), escrowBefore, "payOut moves no token");
        assertEq(
            escrowBefore,
            e.claim[0] + e.claim[1] + e.claim[2] + e.consumerClaim + e.fees + e.burns,
            "budgets fully credited"
        );
    }

    // ---------------------------------------------------------------- reverts

    function test_RevertWhen_PayOutUnknownJob() public {
        (IJobEscrow.JobTerms memory t, bytes32 jobId) = settled60();
        IJobEscrow.JobTerms memory ghost = stdTerms();
        bytes32 ghostId = keccak256(abi.encode(ghost));
        Money memory b = money();
        // The whole call reverts: the settled job listed before it is not paid either.
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, ghostId));
        escrow.payOut(list(t, ghost));
        assertUnchanged(b);
        assertFalse(paidOutOf(jobId), "first entry rolled back");
        // Altered terms of the settled job name another, unknown, job.
        IJobEscrow.JobTerms memory altered = t;
        altered.pricePerUnit = uint96(PRICE / 2);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.UnknownJob.selector, keccak256(abi.encode(altered))));
        escrow.payOut(list(altered));
        assertUnchanged(b);
    }

    /// @dev payOut of `t` (listed after a settled job) reverts NotSettled with `status`; nothing moves.
    function expectNotSettled(IJobEscrow.JobTerms memory t, bytes32 jobId, IJobEscrow.Status status) internal {
        (IJobEscrow.JobTerms memory ok, bytes32 okId) = settled60();
        Money memory b = money();
        IProviderStaking.StakeAccount memory s = staking.stakeOf(t.provider);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotSettled.selector, jobId, status));
        vm.prank(stranger);
        escrow.payOut(list(ok, t));
        assertUnchanged(b);
        assertStatus(jobId, status);
        assertFalse(paidOutOf(jobId), "not paid out");
        assertFalse(paidOutOf(okId), "the settled entry rolled back too");
        assertEq(staking.stakeOf(t.provider).locked, s.locked, "collateral untouched");
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotSettled.selector, jobId, status));
        escrow.payOut(list(t));
    }

    function test_RevertWhen_PayOutNotSettled_Open() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        expectNotSettled(t, openJob(t), IJobEscrow.Status.Open);
    }

    function test_RevertWhen_PayOutNotSettled_Accepted() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        expectNotSettled(t, openAndAccept(t), IJobEscrow.Status.Accepted);
    }

    function test_RevertWhen_PayOutNotSettled_Delivered() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        // Even once the window closed: the job is payable only after finalize.
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        expectNotSettled(t, jobId, IJobEscrow.Status.Delivered);
    }

    function test_RevertWhen_PayOutNotSettled_Disputed() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        expectNotSettled(t, deliverAndDispute(t, 60), IJobEscrow.Status.Disputed);
    }

    function test_RevertWhen_PayOutNotSettled_Slashed() public {
        // A fault verdict moved its money at slash time; payOut must not move it again.
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = deliver(t, 60);
        settleFault(t, jobId);
        expectNotSettled(t, jobId, IJobEscrow.Status.Slashed);
    }

    function test_RevertWhen_PayOutNotSettled_RefundedCancelled() public {
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openJob(t);
        vm.prank(consumer);
        escrow.cancel(t);
        expectNotSettled(t, jobId, IJobEscrow.Status.Refunded);
    }

    // ---------------------------------------------------------------- fuzz: the ledger balances

    uint8 internal constant SETTLE = 0;
    uint8 internal constant BATCH = 1;
    uint8 internal constant FINALIZE = 2;
    uint8 internal constant FAULT = 3;
    uint8 internal constant ACCEPTED = 4;
    uint8 internal constant DISPUTED = 5;
    uint8 internal constant OPEN = 6;
    uint8 internal constant CANCELLED = 7;

    struct Modelled {
        IJobEscrow.JobTerms terms;
        bytes32 id;
        uint8 path;
        uint64 units;
        bool paid;
    }

    Modelled[] internal jobsMade;
    uint256[] internal releasedIdx;

    function testFuzz_PayOut_RandomBatches_LedgerBalances(uint256 seed, uint8 count, uint8 picks) public {
        count = uint8(bound(count, 1, 8));
        makeJobs(seed, count);
        uint256 nReleased = releasedIdx.length;
        // A payOut list in random order with duplicates; some settled jobs may stay unpaid.
        uint256 m = nReleased == 0 ? 0 : bound(picks, 0, 2 * nReleased);
        IJobEscrow.JobTerms[] memory ts = new IJobEscrow.JobTerms[](m);
        uint256[] memory pick = new uint256[](m);
        for (uint256 i = 0; i < m; ++i) {
            pick[i] = releasedIdx[uint256(keccak256(abi.encode(seed, "pick", i))) % nReleased];
            ts[i] = jobsMade[pick[i]].terms;
        }
        checkLedger();
        (uint256 expectedPaid, address[] memory runOf, uint256[] memory runAmount) = expectPayOut(pick);
        vm.recordLogs();
        assertEq(escrow.payOut(ts), expectedPaid, "distinct jobs paid");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(countPaidOut(logs), expectedPaid, "one JobPaidOut per distinct job");
        (address[] memory who, uint256[] memory amount) = unlocksIn(logs);
        assertEq(who.length, runOf.length, "one unlock per provider run");
        for (uint256 r = 0; r < who.length; ++r) {
            assertEq(who[r], runOf[r], "run provider");
            assertEq(amount[r], runAmount[r], "run collateral");
        }
        checkLedger();

        // Pay the rest (every settled job, again in one list): all of them end paid, once.
        IJobEscrow.JobTerms[] memory rest = new IJobEscrow.JobTerms[](nReleased);
        uint256 unpaid;
        for (uint256 i = 0; i < nReleased; ++i) {
            Modelled storage j = jobsMade[releasedIdx[i]];
            rest[i] = j.terms;
            if (!j.paid) ++unpaid;
            j.paid = true;
        }
        assertEq(escrow.payOut(rest), unpaid, "the rest paid");
        checkLedger();
    }

    function makeJobs(uint256 seed, uint256 count) internal {
        address[3] memory ps = [provider, provider2, provider3];
        IJobEscrow.Settlement[] memory batch = new IJobEscrow.Settlement[](count);
        uint256 nBatch;
        for (uint256 i = 0; i < count; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 budget = bound(r >> 8, 1, 100e18);
            uint256 price = bound(r >> 80, 1, budget);
            uint8 path = uint8(r % 8);
            uint64 units = uint64(bound(r >> 160, path == FINALIZE ? 1 : 0, budget / price));
            IJobEscrow.JobTerms memory t = termsFor(consumer, ps[(r >> 3) % 3], budget, price);
            bytes32 id;
            if (path == OPEN || path == CANCELLED) {
                id = openJob(t);
                if (path == CANCELLED) {
                    vm.prank(consumer);
                    escrow.cancel(t);
                }
            } else if (path == FINALIZE) {
                id = deliver(t, units);
                vm.warp(block.timestamp + DISPUTE_WINDOW);
                escrow.finalize(t);
            } else if (path == DISPUTED) {
                id = deliverAndDispute(t, units == 0 ? 1 : units);
            } else {
                id = openAndAccept(t);
                if (path == SETTLE) settleRelease(t, id, units);
                if (path == FAULT) settleFault(t, id);
                if (path == BATCH) batch[nBatch++] = IJobEscrow.Settlement({terms: t, verdict: item(id, 1, units)});
            }
            if (path <= FINALIZE) releasedIdx.push(jobsMade.length);
            jobsMade.push(Modelled({terms: t, id: id, path: path, units: units, paid: false}));
        }
        if (nBatch != 0) {
            assembly {
                mstore(batch, nBatch)
            }
            uint64 epoch = committee.epoch();
            escrow.settleBatch(batch, epoch, signBatch(batch, epoch));
        }
    }

    /// @dev Marks the picked jobs paid in the model and returns what payOut must report: the
    /// number of distinct jobs, and the unlocks (one per run of a provider, skipped entries ignored).
    function expectPayOut(uint256[] memory pick)
        internal
        returns (uint256 paid, address[] memory runOf, uint256[] memory runAmount)
    {
        runOf = new address[](pick.length);
        runAmount = new uint256[](pick.length);
        uint256 runs;
        for (uint256 i = 0; i < pick.length; ++i) {
            Modelled storage j = jobsMade[pick[i]];
            if (j.paid) continue;
            j.paid = true;
            ++paid;
            if (runs == 0 || runOf[runs - 1] != j.terms.provider) runOf[runs++] = j.terms.provider;
            runAmount[runs - 1] += collateralOf(j.terms.budget);
        }
        assembly {
            mstore(runOf, runs)
            mstore(runAmount, runs)
        }
    }

    /// @dev The escrow holds exactly what it owes: every claimable balance, the accrued fees and
    /// burns, and the budgets of jobs not yet paid out or not yet settled; each provider's locked
    /// stake is exactly the collateral of its live or unpaid jobs; paid-out flags match the model.
    function checkLedger() internal view {
        address[4] memory parties = [consumer, provider, provider2, provider3];
        uint256 owed;
        for (uint256 k = 0; k < 4; ++k) {
            owed += escrow.claimable(parties[k]);
        }
        (uint128 fees, uint128 burns) = escrow.accrued();
        owed += uint256(fees) + burns;
        uint256[4] memory locked;
        uint256[4] memory credited; // what the model says each party may claim
        uint256[2] memory accruedModel; // fees, burns
        for (uint256 i = 0; i < jobsMade.length; ++i) {
            Modelled storage j = jobsMade[i];
            uint8 p = j.path;
            bool released = p <= FINALIZE;
            bool held = (released && !j.paid) || p == ACCEPTED || p == DISPUTED || p == OPEN;
            if (held) owed += j.terms.budget;
            if (p == DISPUTED) owed += escrow.disputeBondFor(j.terms.budget); // the bond waits with it
            uint256 k = partyOf(parties, j.terms.provider);
            if (held && p != OPEN) locked[k] += collateralOf(j.terms.budget);
            if (released && j.paid) {
                uint256 pay = uint256(j.units) * j.terms.pricePerUnit;
                uint256 fee = pay * FEE_BPS / 10_000;
                uint256 burn = pay * BURN_BPS / 10_000;
                credited[k] += pay - fee - burn;
                credited[0] += j.terms.budget - pay;
                accruedModel[0] += fee;
                accruedModel[1] += burn;
            }
            // A fault slashes the collateral: up to the cap compensates the consumer, the rest is
            // split between burn and treasury.
            if (p == FAULT) {
                uint256 collateral = collateralOf(j.terms.budget);
                uint256 cap = uint256(j.terms.budget) * COMPENSATION_CAP_BPS / 10_000;
                uint256 compensation = collateral < cap ? collateral : cap;
                uint256 burnt = (collateral - compensation) * SLASH_BURN_BPS / 10_000;
                credited[0] += uint256(j.terms.budget) + compensation;
                accruedModel[0] += collateral - compensation - burnt;
                accruedModel[1] += burnt;
            }
            if (p == CANCELLED) credited[0] += j.terms.budget;
            assertEq(paidOutOf(j.id), released && j.paid, "paid-out flag");
            if (released) {
                (IJobEscrow.Status st,, uint64 units,) = escrow.jobs(j.id);
                assertEq(uint256(st), uint256(IJobEscrow.Status.Settled), "settled");
                assertEq(units, j.units, "units recorded");
            }
        }
        assertEq(gpuc.balanceOf(address(escrow)), owed, "escrow balance == what it owes");
        for (uint256 k = 0; k < 4; ++k) {
            assertEq(escrow.claimable(parties[k]), credited[k], "claimable per party");
            if (k != 0) assertEq(staking.stakeOf(parties[k]).locked, locked[k], "locked collateral");
        }
        assertEq(fees, accruedModel[0], "accrued fees");
        assertEq(burns, accruedModel[1], "accrued burns");
    }

    function partyOf(address[4] memory parties, address who) internal pure returns (uint256 k) {
        for (k = 1; k < 4; ++k) {
            if (parties[k] == who) return k;
        }
        revert("unknown provider");
    }
}
