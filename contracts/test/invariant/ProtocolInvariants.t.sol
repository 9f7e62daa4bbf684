// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "../utils/Fixture.sol";
import {ProtocolHandler} from "./handlers/ProtocolHandler.sol";
import {ProtocolModel} from "./handlers/ProtocolModel.sol";
import {StakeModel} from "./handlers/StakeModel.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice design.md §3 invariants 1-5 and 7 over random sequences of the whole protocol
/// (invariant 6 has its own staking deployment: StakingSlashInvariants.t.sol). After each run,
/// afterInvariant warps past every timer and proves every obligation can be taken out.
contract ProtocolInvariantsTest is Fixture {
    ProtocolHandler internal handler;

    function setUp() public virtual override {
        super.setUp();
        _targetHandler();
    }

    /// @dev Deploy the handler over the fixture's contracts and point the fuzzer at it.
    function _targetHandler() internal {
        uint256[] memory keys = new uint256[](4);
        for (uint256 i = 0; i < 3; ++i) {
            keys[i] = oracleKeys[i];
        }
        keys[3] = uint256(keccak256("inv.oracle3")); // joins and leaves through toggleMember
        handler = new ProtocolHandler(
            ProtocolModel.Deployment({
                sale: sale,
                staking: staking,
                committee: committee,
                escrow: escrow,
                admin: admin,
                treasury: treasury,
                oracleKeys: keys
            })
        );
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](41);
        selectors[0] = handler.buyCredits.selector;
        selectors[1] = handler.redeemCredits.selector;
        selectors[2] = handler.transferCredits.selector;
        selectors[3] = handler.withdrawSpread.selector;
        selectors[4] = handler.setSpread.selector;
        selectors[5] = handler.stake.selector;
        selectors[6] = handler.requestUnbond.selector;
        selectors[7] = handler.withdrawStake.selector;
        selectors[8] = handler.openJob.selector;
        selectors[9] = handler.cancel.selector;
        selectors[10] = handler.refund.selector;
        selectors[11] = handler.accept.selector;
        selectors[12] = handler.submitReceipt.selector;
        selectors[13] = handler.dispute.selector;
        selectors[14] = handler.settle.selector;
        selectors[15] = handler.settleBatch.selector;
        selectors[16] = handler.finalize.selector;
        selectors[17] = handler.slashNonDelivery.selector;
        selectors[18] = handler.claim.selector;
        selectors[19] = handler.collectFees.selector;
        selectors[20] = handler.burnAccrued.selector;
        selectors[21] = handler.setThreshold.selector;
        selectors[22] = handler.toggleMember.selector;
        selectors[23] = handler.settleForged.selector;
        selectors[24] = handler.warp.selector;
        selectors[25] = handler.warpToBoundary.selector;
        // the productive paths weigh double
        selectors[26] = handler.openJob.selector;
        selectors[27] = handler.accept.selector;
        selectors[28] = handler.submitReceipt.selector;
        selectors[29] = handler.dispute.selector;
        selectors[30] = handler.settle.selector;
        selectors[31] = handler.finalize.selector;
        selectors[32] = handler.warpToBoundary.selector;
        selectors[33] = handler.progress.selector;
        selectors[34] = handler.progress.selector;
        selectors[35] = handler.progress.selector;
        selectors[36] = handler.payOut.selector;
        selectors[37] = handler.payOut.selector;
        selectors[38] = handler.signPending.selector;
        selectors[39] = handler.submitPending.selector;
        selectors[40] = handler.submitPending.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    // ---------------------------------------------------------------- one campaign, every invariant

    /// @dev What the chain says about one job, read once per check.
    struct ChainJob {
        IJobEscrow.Status status;
        uint40 deliveredAt;
        uint64 units;
        bool paidOut;
        bytes32 committed;
        uint256 disputedAt;
    }

    /// @dev One check's inputs, read once and shared by the invariants below: the model's jobs
    /// and the chain's view of each, every account with its model stake and model claim.
    struct Snapshot {
        ProtocolModel.GhostJob[] jobs;
        ChainJob[] chain;
        address[] accounts;
        StakeModel.Account[] stakes;
        uint256[] owed;
        ProtocolModel.EscrowLedger ledger;
        ProtocolModel.SafetyLedger safety;
    }

    /// @notice Every invariant of design.md §3 (1-5, 7, and 6 on the escrow side), asserted
    /// after every call of one campaign. One campaign per invariant replayed the same kind of
    /// handler sequences eight times over and read every job and account eight times per call;
    /// here the calls are paid once and the state is read once per check, so a deep campaign
    /// (FOUNDRY_PROFILE=deep) checks each invariant after every one of its calls at a fraction
    /// of the cost. A failure names its invariant by the number that starts its message.
    function invariant_protocol() public view {
        Snapshot memory s = _snapshot();
        _check1_supplyIsSumOfBalancesAndReserveCoversIt();
        _check2_escrowHoldsExactlyWhatItOwes(s);
        _check3_valueIsConserved(s);
        _check4_jobsSettleOnceAndNeverMoveBack(s);
        _check5_noWithdrawalBeforeItsDelay(s);
        _check6_escrowSlashesArePositiveAndBounded(s);
        _check7_onlyKDistinctMembersSettle(s);
        _check8_disputeBondsAreConserved(s);
    }

    function _snapshot() internal view returns (Snapshot memory s) {
        s.jobs = handler.allJobs();
        s.chain = new ChainJob[](s.jobs.length);
        for (uint256 i = 0; i < s.jobs.length; ++i) {
            bytes32 id = s.jobs[i].id;
            ChainJob memory c = s.chain[i];
            (c.status, c.deliveredAt, c.units, c.paidOut) = escrow.jobs(id);
            c.committed = escrow.committedResult(id);
            c.disputedAt = escrow.disputedAt(id);
        }
        s.accounts = handler.accounts();
        s.stakes = handler.stakeGhosts();
        s.owed = handler.ghostClaimables();
        s.ledger = handler.escrowLedger();
        s.safety = handler.safetyLedger();
    }

    // ---------------------------------------------------------------- 1. credit supply

    /// @notice totalSupply is the sum of every holder's balance, matches minted - redeemed -
    /// burnt, and the reserve held covers supply x rate (rounded up, so not one wei short).
    function _check1_supplyIsSumOfBalancesAndReserveCoversIt() internal view {
        address[] memory hs = handler.holders();
        uint256 sum = 0;
        for (uint256 i = 0; i < hs.length; ++i) {
            sum += gpuc.balanceOf(hs[i]);
        }
        uint256 supply = gpuc.totalSupply();
        assertEq(sum, supply, "1: totalSupply == sum of balances over all holders");
        ProtocolModel.CreditLedger memory c = handler.creditLedger();
        assertEq(supply, c.minted - c.redeemed - c.burnt, "1: supply == minted - redeemed - burnt");
        uint256 backing = (supply * sale.reservePerCredit() + 1e18 - 1) / 1e18;
        assertGe(sale.reserveHeld(), backing, "1: reserve covers supply x rate");
        assertEq(sale.spreadAccrued(), c.spreadIn - c.spreadOut, "1: spread accrued");
        assertEq(address(sale).balance, c.reserveIn - c.reserveOut - c.spreadOut, "1: sale ETH balance");
    }

    // ---------------------------------------------------------------- 2. escrow solvency

    /// @notice The escrow holds exactly the budgets of live jobs and of settled jobs not yet
    /// paid out, every account's claimable balance and the accrued fees and burns -- checked job
    /// by job and account by account against the model, so a double refund or a double payout
    /// shows even when the totals happen to match.
    function _check2_escrowHoldsExactlyWhatItOwes(Snapshot memory s) internal view {
        uint256 live = 0;
        uint256 awaiting = 0;
        uint256 bonds = 0;
        for (uint256 i = 0; i < s.jobs.length; ++i) {
            ProtocolModel.GhostJob memory g = s.jobs[i];
            ChainJob memory c = s.chain[i];
            IJobEscrow.Status st = c.status;
            assertEq(uint256(st), uint256(g.status), "2: job status == model");
            assertEq(uint256(c.deliveredAt), uint256(g.deliveredAt), "2: job deliveredAt == model");
            assertEq(uint256(c.units), uint256(g.units), "2: job units == model");
            assertEq(c.paidOut, g.paidOut, "2: job paidOut == model");
            assertEq(c.committed, g.committed, "2: committed result == model");
            assertEq(c.disputedAt, uint256(g.disputedAt), "2: job disputedAt == model");
            if (
                st == IJobEscrow.Status.Open || st == IJobEscrow.Status.Accepted || st == IJobEscrow.Status.Delivered
                    || st == IJobEscrow.Status.Disputed
            ) live += g.terms.budget;
            // a disputed job's bond waits in the escrow until a verdict or the timeout
            if (st == IJobEscrow.Status.Disputed) bonds += _bondFor(g.terms.budget);
            if (st == IJobEscrow.Status.Settled && !c.paidOut) awaiting += g.terms.budget;
        }
        uint256 owed = 0;
        for (uint256 i = 0; i < s.accounts.length; ++i) {
            uint256 c = escrow.claimable(s.accounts[i]);
            assertEq(c, s.owed[i], "2: claimable(account) == model, for every account");
            owed += c;
        }
        (uint128 fees, uint128 burns) = escrow.accrued();
        ProtocolModel.EscrowLedger memory l = s.ledger;
        assertEq(fees, l.accruedFees, "2: accrued fees == model");
        assertEq(burns, l.accruedBurns, "2: accrued burns == model");
        assertEq(awaiting, l.awaitingPayout, "2: budgets of settled jobs awaiting payout == model");
        assertEq(live + awaiting, l.locked, "2: live + awaiting budgets == model");
        assertEq(bonds, l.bondsHeld, "2: bonds of disputed jobs == model");
        assertEq(
            gpuc.balanceOf(address(escrow)),
            live + awaiting + bonds + owed + fees + burns,
            "2: escrow balance == live + awaiting payout + bonds + claimable + accrued"
        );
    }

    // ---------------------------------------------------------------- 3. conservation

    /// @notice deposited = locked + released + refunded + fees + burnt on the escrow side;
    /// staked = free + locked + unbonding + slashed + withdrawn per provider and in total; each
    /// provider's locked stake is the collateral of its jobs that are live or settled but not
    /// yet paid out (read from the chain's job slots, not from the model).
    function _check3_valueIsConserved(Snapshot memory s) internal view {
        ProtocolModel.EscrowLedger memory l = s.ledger;
        assertEq(l.deposited, l.locked + l.released + l.refunded + l.fees + l.burnt, "3: escrow conservation");
        assertEq(l.slashedIn, l.compensation + l.slashToTreasury + l.slashBurnt, "3: slashed stake fully assigned");
        assertEq(
            gpuc.balanceOf(address(escrow)),
            l.deposited + l.slashedIn + l.bondsIn - l.claimed - l.feesCollected - l.burnsDone,
            "3: escrow balance == inflows - outflows"
        );
        uint256 staked;
        uint256 slashed;
        uint256 withdrawn;
        uint256 held;
        for (uint256 i = 0; i < s.accounts.length; ++i) {
            StakeModel.Account memory g = s.stakes[i];
            // the chain's account == the model's (free, locked, unbonding, readyAt: 3 and 5)
            held += StakeModel.assertMatches(g, staking, s.accounts[i]);
            staked += g.staked;
            slashed += g.slashed;
            withdrawn += g.withdrawn;
        }
        assertEq(gpuc.balanceOf(address(staking)), held, "3: staking balance == sum of stakes");
        uint256[] memory collateral = _collateralHeldBy(s);
        for (uint256 i = 0; i < s.accounts.length; ++i) {
            // the model's locked stake equals the chain's (assertMatches above)
            assertEq(s.stakes[i].locked, collateral[i], "3: locked stake == collateral of live and unpaid settled jobs");
        }
        assertEq(staked, held + slashed + withdrawn, "3: total staking conservation");
        assertEq(slashed, l.slashedIn, "3: what staking slashed is what the escrow received");
    }

    /// @dev Collateral that must still be locked for each account, from the job slots on chain.
    function _collateralHeldBy(Snapshot memory s) internal pure returns (uint256[] memory sums) {
        sums = new uint256[](s.accounts.length);
        for (uint256 i = 0; i < s.jobs.length; ++i) {
            IJobEscrow.Status st = s.chain[i].status;
            bool held = st == IJobEscrow.Status.Accepted || st == IJobEscrow.Status.Delivered
                || st == IJobEscrow.Status.Disputed || (st == IJobEscrow.Status.Settled && !s.chain[i].paidOut);
            if (!held) continue;
            address provider = s.jobs[i].terms.provider;
            for (uint256 k = 0; k < s.accounts.length; ++k) {
                if (s.accounts[k] == provider) sums[k] += _collateralFor(s.jobs[i].terms.budget);
            }
        }
    }

    // ---------------------------------------------------------------- 4. state machine

    /// @notice Every status change seen on chain followed an edge of design.md §2, no job
    /// entered a terminal status twice, and a job's paidOut flag was only ever set on a Settled
    /// job and never cleared (so a settled job is paid out at most once).
    function _check4_jobsSettleOnceAndNeverMoveBack(Snapshot memory s) internal pure {
        assertEq(s.safety.transitionViolations, 0, "4: a status moved along a forbidden edge");
        assertEq(s.safety.doubleSettlements, 0, "4: a job settled twice");
        assertEq(s.safety.paidOutViolations, 0, "4: a paidOut flag was reset or set on a job that is not Settled");
        for (uint256 i = 0; i < s.jobs.length; ++i) {
            ProtocolModel.GhostJob memory g = s.jobs[i];
            ChainJob memory c = s.chain[i];
            assertEq(uint256(c.status), uint256(g.lastSeen), "4: status == last seen");
            assertEq(c.paidOut, g.lastSeenPaidOut, "4: paidOut == last seen");
            assertTrue(!c.paidOut || c.status == IJobEscrow.Status.Settled, "4: only a Settled job is paid out");
            assertLe(g.terminalEntries, 1, "4: at most one terminal entry per job");
        }
    }

    // ---------------------------------------------------------------- 5. timers

    /// @notice No stake left before its unbonding delay. That every account's unbonding matures
    /// at its last request plus the delay on chain is asserted account by account in check 3
    /// (StakeModel.assertMatches). (Liveness: afterInvariant.)
    function _check5_noWithdrawalBeforeItsDelay(Snapshot memory) internal view {
        assertEq(handler.earlyWithdrawals(), 0, "5: a withdrawal came before its delay");
    }

    // ---------------------------------------------------------------- 6. slashing (escrow side)

    /// @notice Every escrow slash took something (collateral rounds up) and never more than the
    /// provider had. The staking-level bounds are in StakingSlashInvariants.t.sol.
    function _check6_escrowSlashesArePositiveAndBounded(Snapshot memory s) internal pure {
        assertEq(s.safety.zeroSlashes, 0, "6: a slash with stake and rate > 0 took nothing");
        assertEq(s.safety.slashesOverStake, 0, "6: a slash took more than the stake");
    }

    // ---------------------------------------------------------------- 7. verdicts

    /// @notice No forged verdict (too few, duplicate, unknown or removed signers, stale epoch,
    /// wrong order, malleated, replayed across job/chain/contract, tampered) ever settled a job,
    /// and the committee is what the model says it is.
    function _check7_onlyKDistinctMembersSettle(Snapshot memory s) internal view {
        assertEq(s.safety.forgedSuccesses, 0, "7: a forged verdict settled a job");
        assertEq(uint256(committee.epoch()), uint256(handler.ghostEpoch()), "7: epoch == model");
        assertEq(committee.threshold(), handler.ghostThreshold(), "7: threshold == model");
        assertEq(committee.memberCount(), handler.ghostMemberCount(), "7: member count == model");
        address[] memory os = handler.oracles();
        for (uint256 i = 0; i < os.length; ++i) {
            assertEq(committee.isMember(os[i]), handler.ghostMember(os[i]), "7: membership == model");
        }
    }

    // ---------------------------------------------------------------- 8. dispute bonds (issue 14)

    /// @notice Every bond posted is held (its job still Disputed), or went to the provider (no
    /// fault proven: verdict confirmed the receipt, or the verdict window passed), or back to
    /// the consumer (fault or fewer units proven) -- never both, never lost, never minted.
    function _check8_disputeBondsAreConserved(Snapshot memory s) internal pure {
        ProtocolModel.EscrowLedger memory l = s.ledger;
        assertEq(l.bondsIn, l.bondsHeld + l.bondsToProvider + l.bondsToConsumer, "8: bonds in == held + paid out");
        uint256 open = 0;
        uint256 openBonds = 0;
        for (uint256 i = 0; i < s.jobs.length; ++i) {
            ProtocolModel.GhostJob memory g = s.jobs[i];
            if (!g.bondOpen) continue;
            ++open;
            openBonds += _bondFor(g.terms.budget);
            assertEq(
                uint256(g.status), uint256(IJobEscrow.Status.Disputed), "8: an open bond belongs to a disputed job"
            );
        }
        assertEq(l.bondsHeld, openBonds, "8: bonds held == sum over open disputes");
        assertLe(
            s.safety.disputesUpheld + s.safety.disputesRejected + open, s.jobs.length, "8: at most one dispute per job"
        );
    }

    /// @dev The escrow's own rules, restated: collateral and bond round up (ceil(budget x bps / 10_000)).
    function _collateralFor(uint256 budget) internal pure returns (uint256) {
        return (budget * COLLATERAL_BPS + 9_999) / 10_000;
    }

    function _bondFor(uint256 budget) internal pure returns (uint256) {
        return (budget * DISPUTE_BOND_BPS + 9_999) / 10_000;
    }

    // ---------------------------------------------------------------- the handler is not vacuous

    /// @notice A fixed walk through the handler reaches every action's success path and every
    /// forged-verdict mode (all refused), so the random campaigns above exercise real paths.
    function test_handlerReachesEveryPath() public {
        handler.buyCredits(0, 1 ether);
        handler.transferCredits(0, 1, 1e18);
        handler.redeemCredits(0, 1e17);
        handler.withdrawSpread();
        handler.setSpread(30);
        handler.stake(1, 100e18);
        handler.requestUnbond(1, 10e18);
        for (uint256 i = 0; i < 8; ++i) {
            handler.openJob(i, 10e18 + i * 1e18, 3600 + i, i == 1 ? 2 : i);
        }
        handler.openJob(10, 20e18, 3600, 259); // mode % 5 == 4: one-transaction open, provider staked
        handler.openJob(13, 20e18, 3600, 259);
        handler.settle(handler.jobCount() - 1, 1 + (5 << 8), 1 << 128); // settleAndPayOut of that job
        handler.cancel(0, 1);
        // A verdict signed, then a committee change (oracle 3 joins), then submitted: it settles.
        handler.signPending(handler.jobCount() - 2, 1 << 8, 0);
        handler.toggleMember(3);
        handler.submitPending(0);
        for (uint256 round = 0; round < 6; ++round) {
            for (uint256 i = 0; i < 8; ++i) {
                handler.progress(i, round * 131 + i * 7 + 1);
            }
            handler.dispute(round, 5); // callerSeed 5: the job's consumer
            handler.settle(round + 3, 1 + (round << 8), round);
            handler.settle(round + 4, 1 + (round << 8), (round << 128) | round); // round 1, 4: settleAndPayOut
            handler.settleBatch(round, 3, round);
            for (uint256 m = 0; round == 0 && m < 14; ++m) {
                for (uint256 k = 0; k < 4; ++k) {
                    handler.settleForged(k, m, m * 4 + k); // while accepted jobs exist
                }
            }
            handler.warp((round + 1) * 30 minutes << 8); // secs % 4 == 0: up to three days
        }
        // One job walked through a dispute the committee never answers: accept, deliver, dispute
        // (seed 8 is even), then past the verdict window finalize pays by the receipt.
        handler.openJob(11, 20e18, 3600, 2);
        for (uint256 k = 0; k < 4; ++k) {
            handler.progress(handler.jobCount() - 1, 8);
        }
        handler.openJob(9, 5e18, 60, 2);
        handler.warp(uint256(2 days) << 8); // secs % 4 == 0: days, past the accept deadline
        handler.refund(8, 5);
        // clean lists (seed % 4 != 0) pay and skip repeats; dirty ones (seed % 4 == 0) are refused
        for (uint256 seed = 0; seed < 12; ++seed) {
            handler.payOut(seed, 8, seed);
        }
        for (uint256 i = 0; i < 3; ++i) {
            handler.claim(i + 1);
        }
        handler.collectFees();
        handler.burnAccrued();
        handler.setThreshold(3);
        handler.toggleMember(3);
        handler.toggleMember(3);
        handler.warpToBoundary(1, 3); // which = 3: exactly an unbonding's maturity
        handler.withdrawStake(1);

        string[28] memory actions = [
            "openAccepted",
            "settleAndPayOut",
            "settlePending",
            "buy",
            "redeem",
            "transfer",
            "withdrawSpread",
            "setSpread",
            "stake",
            "requestUnbond",
            "withdraw",
            "open",
            "cancel",
            "refund",
            "accept",
            "submitReceipt",
            "dispute",
            "settle",
            "settleBatch",
            "finalize",
            "slashNonDelivery",
            "payOut",
            "claim",
            "collectFees",
            "burnAccrued",
            "setThreshold",
            "addMember",
            "removeMember"
        ];
        for (uint256 i = 0; i < actions.length; ++i) {
            assertGt(
                handler.successCount(bytes32(bytes(actions[i]))), 0, string.concat("never succeeded: ", actions[i])
            );
        }
        for (uint256 m = 0; m < 14; ++m) {
            assertGt(handler.forgedAttemptsByMode(m), 0, string.concat("forged mode never tried: ", vm.toString(m)));
        }
        assertEq(handler.safetyLedger().forgedSuccesses, 0, "a forged verdict settled a job");
        ProtocolModel.SafetyLedger memory s = handler.safetyLedger();
        assertGt(s.batchApplied, 0, "no batch entry applied");
        assertGt(s.payOutPaid, 0, "payOut never paid a job");
        assertGt(s.payOutSkipped, 0, "payOut never skipped a paid or repeated job");
        assertGt(s.payOutUnknown, 0, "payOut never refused a never-opened job");
        assertGt(s.payOutNotSettled, 0, "payOut never refused a job that is not Settled");
        assertGt(s.verdictsAcrossChanges, 0, "no verdict settled across a committee change");
        afterInvariant();
        s = handler.safetyLedger();
        assertGt(s.disputesRejected, 0, "no dispute bond went to the provider");
        assertGt(s.disputeTimeouts, 0, "no dispute timed out");
    }

    // ---------------------------------------------------------------- 5. liveness

    /// @notice After every run: whatever state the sequence left, every job can be closed and
    /// every budget, claim, fee, burn, stake and credit taken out; the invariants still hold.
    function afterInvariant() public {
        handler.drainAll();
        invariant_protocol();
    }
}
