// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AttackBase} from "./AttackBase.sol";
import {console} from "../utils/console.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";

/// @notice design.md §3 attack: unbounded loops. The only loops are over what the caller
/// passes in (batch entries, payout lists, signatures), and settleBatch and payOut cost a
/// constant amount per entry; no user can grow a list the contracts iterate (committee
/// membership, a consumer's jobs and claims, a provider's unbond requests all cost O(1) to
/// use). Run with -vv for the figures.
contract UnboundedLoopsAttackTest is AttackBase {
    /// @dev Execution gas per entry, as measured here (calldata, ~4k per entry on chain, comes
    /// on top; scripts/bench/gas.py measures whole transactions against the 25k target).
    /// settleBatch only records a release (13.4k) and slashes on a fault (24.4k).
    uint256 internal constant MAX_RELEASE_GAS_PER_ENTRY = 16_000;
    uint256 internal constant MAX_FAULT_GAS_PER_ENTRY = 30_000;
    /// @dev payOut: a provider's own batch (12.8k), and every entry with a fresh consumer and a
    /// fresh provider (65.2k: two first-time credits of 22.1k each and an unlock per entry).
    uint256 internal constant MAX_PAYOUT_GAS_PER_ENTRY_ONE_PROVIDER = 15_000;
    uint256 internal constant MAX_PAYOUT_GAS_PER_ENTRY_DISTINCT = 70_000;

    function setUp() public override {
        super.setUp();
        fund(consumer, 10_000e18);
        fundAndStake(provider, 10_000e18);
    }

    /// @dev Gas of one settleBatch over `n` fresh accepted jobs (all release or all fault).
    function _batchGas(uint256 n, uint8 outcome) internal returns (uint256 used) {
        uint256 snap = vm.snapshotState();
        IJobEscrow.Settlement[] memory batch = new IJobEscrow.Settlement[](n);
        IJobEscrow.VerdictItem[] memory items = new IJobEscrow.VerdictItem[](n);
        for (uint256 i = 0; i < n; ++i) {
            IJobEscrow.JobTerms memory t = terms(10e18, 1e17);
            bytes32 id = openAndAccept(t);
            items[i] = IJobEscrow.VerdictItem(id, outcome, 50, keccak256(abi.encode(i)));
            batch[i] = IJobEscrow.Settlement(t, items[i]);
        }
        uint64 epoch = committee.epoch();
        bytes memory sigs = twoSigs(escrow.verdictBatchDigest(items, epoch));
        _coolAll();
        uint256 before = gasleft();
        escrow.settleBatch(batch, epoch, sigs);
        used = before - gasleft();
        (IJobEscrow.Status st,,, bool paidOut) = escrow.jobs(items[n - 1].jobId);
        assertEq(uint256(st), outcome == 1 ? 5 : 6, "the last entry was applied");
        assertFalse(paidOut, "settlement pays nothing out");
        vm.revertToState(snap);
    }

    /// @dev Gas of one payOut (by a stranger) over `n` released jobs settled beforehand.
    /// `distinct`: each entry has its own consumer and provider; else the provider's own batch.
    function _payOutGas(uint256 n, bool distinct) internal returns (uint256 used) {
        uint256 snap = vm.snapshotState();
        IJobEscrow.JobTerms[] memory list = new IJobEscrow.JobTerms[](n);
        IJobEscrow.Settlement[] memory batch = new IJobEscrow.Settlement[](n);
        IJobEscrow.VerdictItem[] memory items = new IJobEscrow.VerdictItem[](n);
        for (uint256 i = 0; i < n; ++i) {
            address c = consumer;
            address p = provider;
            if (distinct) {
                c = makeAddr(string.concat("loop consumer ", vm_toString(i)));
                p = makeAddr(string.concat("loop provider ", vm_toString(i)));
                fund(c, 10e18);
                fundAndStake(p, 5e18);
            }
            list[i] = termsFor(c, p, 10e18, 1e17);
            bytes32 id = openAndAccept(list[i]);
            items[i] = IJobEscrow.VerdictItem(id, 1, 50, keccak256(abi.encode(i)));
            batch[i] = IJobEscrow.Settlement(list[i], items[i]);
        }
        uint64 epoch = committee.epoch();
        escrow.settleBatch(batch, epoch, twoSigs(escrow.verdictBatchDigest(items, epoch)));
        _coolAll();
        vm.prank(stranger);
        uint256 before = gasleft();
        uint256 paid = escrow.payOut(list);
        used = before - gasleft();
        assertEq(paid, n, "every entry was paid");
        assertEq(staking.stakeOf(list[n - 1].provider).locked, 0, "the last provider's collateral unlocked");
        vm.revertToState(snap);
    }

    /// @dev Gas at 1, 10 and 50 entries: bounded per entry and linear (the marginal entry costs
    /// the same from 1 to 10 as from 10 to 50, within 10%).
    function _assertLinear(uint256[3] memory g, uint256 maxPerEntry, string memory label) internal view {
        uint256 slopeLow = (g[1] - g[0]) / 9;
        uint256 slopeHigh = (g[2] - g[1]) / 40;
        console.log(string.concat(label, " gas, 1 entry"), g[0]);
        console.log(string.concat(label, " gas, 10 entries"), g[1]);
        console.log(string.concat(label, " gas, 50 entries"), g[2]);
        console.log(string.concat(label, " gas per entry, 1->10"), slopeLow);
        console.log(string.concat(label, " gas per entry, 10->50"), slopeHigh);
        assertLe(slopeHigh, maxPerEntry, string.concat(label, ": per-entry gas is bounded"));
        assertLe(slopeLow, maxPerEntry, string.concat(label, ": per-entry gas is bounded (low side)"));
        assertLe(slopeHigh * 10, slopeLow * 11, string.concat(label, ": no superlinear growth"));
        assertLe(slopeLow * 10, slopeHigh * 11, string.concat(label, ": no superlinear growth (low side)"));
        assertLe(g[2], 30_000_000 / 2, string.concat(label, ": a batch of 50 fits well inside a block"));
    }

    function test_SettleBatchGasGrowsLinearlyInEntries() public {
        _assertLinear(
            [_batchGas(1, 1), _batchGas(10, 1), _batchGas(50, 1)], MAX_RELEASE_GAS_PER_ENTRY, "release settleBatch"
        );
        _assertLinear(
            [_batchGas(1, 2), _batchGas(10, 2), _batchGas(50, 2)], MAX_FAULT_GAS_PER_ENTRY, "fault settleBatch"
        );
    }

    function test_PayOutGasGrowsLinearlyInEntries() public {
        _assertLinear(
            [_payOutGas(1, false), _payOutGas(10, false), _payOutGas(50, false)],
            MAX_PAYOUT_GAS_PER_ENTRY_ONE_PROVIDER,
            "payOut (one provider)"
        );
        _assertLinear(
            [_payOutGas(1, true), _payOutGas(10, true), _payOutGas(50, true)],
            MAX_PAYOUT_GAS_PER_ENTRY_DISTINCT,
            "payOut (distinct parties)"
        );
    }

    /// @notice Verifying k signatures costs the same whatever the committee size: membership
    /// is a mapping, never iterated.
    function test_VerdictCostDoesNotGrowWithCommitteeSize() public {
        uint256 small = _settleGas();
        vm.startPrank(admin);
        for (uint256 i = 0; i < 40; ++i) {
            committee.addMember(makeAddr(string.concat("extra oracle ", vm.toString(i))));
        }
        vm.stopPrank();
        uint256 large = _settleGas();
        console.log("settle gas, 3 members", small);
        console.log("settle gas, 43 members", large);
        assertApprox(large, small, 500, "settle cost independent of committee size");
    }

    /// @notice A consumer with many refunds claims in one constant-cost call: claimable is a
    /// running balance, not a list of entries.
    function test_ClaimCostDoesNotGrowWithJobsOwed() public {
        uint256 one = _claimGasAfter(1);
        uint256 many = _claimGasAfter(40);
        console.log("claim gas, 1 refund owed", one);
        console.log("claim gas, 40 refunds owed", many);
        assertApprox(many, one, 500, "claim cost independent of how many jobs are owed");
    }

    /// @notice Repeated unbond requests fold into one bucket: withdraw costs the same after 1
    /// request as after 30.
    function test_WithdrawCostDoesNotGrowWithUnbondRequests() public {
        uint256 one = _withdrawGasAfter(1);
        uint256 many = _withdrawGasAfter(30);
        console.log("withdraw gas, 1 unbond request", one);
        console.log("withdraw gas, 30 unbond requests", many);
        assertApprox(many, one, 500, "withdraw cost independent of request count");
    }

    function _settleGas() internal returns (uint256 used) {
        uint256 snap = vm.snapshotState();
        IJobEscrow.JobTerms memory t = terms(10e18, 1e17);
        bytes32 id = openAndAccept(t);
        IJobEscrow.Verdict memory v = releaseVerdict(id, 50);
        bytes memory sigs = twoSigs(escrow.verdictDigest(v));
        _coolAll();
        uint256 before = gasleft();
        escrow.settle(t, v, sigs);
        used = before - gasleft();
        vm.revertToState(snap);
    }

    function _claimGasAfter(uint256 jobs) internal returns (uint256 used) {
        uint256 snap = vm.snapshotState();
        for (uint256 i = 0; i < jobs; ++i) {
            IJobEscrow.JobTerms memory t = terms(1e18, 1e16);
            openJob(t);
            vm.prank(consumer);
            escrow.cancel(t);
        }
        _coolAll();
        vm.prank(consumer);
        uint256 before = gasleft();
        uint256 paid = escrow.claim();
        used = before - gasleft();
        assertEq(paid, jobs * 1e18, "every refund paid at once");
        vm.revertToState(snap);
    }

    function _withdrawGasAfter(uint256 requests) internal returns (uint256 used) {
        uint256 snap = vm.snapshotState();
        for (uint256 i = 0; i < requests; ++i) {
            vm.prank(provider);
            staking.requestUnbond(1e18);
            vm.warp(block.timestamp + 1);
        }
        vm.warp(block.timestamp + UNBONDING_DELAY);
        _coolAll();
        vm.prank(provider);
        uint256 before = gasleft();
        uint256 paid = staking.withdraw();
        used = before - gasleft();
        assertEq(paid, requests * 1e18, "all unbonding paid at once");
        vm.revertToState(snap);
    }

    /// @dev Measure as a transaction of its own would pay: every touched account starts cold.
    function _coolAll() internal {
        vm.cool(address(escrow));
        vm.cool(address(staking));
        vm.cool(address(committee));
        vm.cool(address(gpuc));
    }

    function assertApprox(uint256 a, uint256 b, uint256 tolerance, string memory err) internal pure {
        assertLe(a > b ? a - b : b - a, tolerance, err);
    }
}
