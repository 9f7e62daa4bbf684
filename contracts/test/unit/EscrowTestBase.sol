// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "../utils/Fixture.sol";
import {Vm} from "../utils/Vm.sol";
import {PermitSigning} from "./PermitSigning.sol";
import {EscrowParameters} from "../../src/EscrowParameters.sol";
import {JobEscrow} from "../../src/JobEscrow.sol";
import {IGPUCredit} from "../../src/interfaces/IGPUCredit.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice The protocol fixture with a funded consumer and a staked provider, plus a snapshot of
/// every balance a job can move so each money path is checked field by field.
abstract contract EscrowTestBase is Fixture, PermitSigning {
    /// @dev The standard job: 100 GPUC budget at 1 GPUC per unit (max 100 units).
    uint256 internal constant BUDGET = 100e18;
    uint256 internal constant PRICE = 1e18;
    /// @dev ceil(100e18 * 5_000 / 10_000), written out so a change in the formula shows.
    uint256 internal constant COLLATERAL = 50e18;
    /// @dev ceil(100e18 * 1_000 / 10_000): the dispute bond of the standard job.
    uint256 internal constant BOND = 10e18;
    /// @dev 100e18 * 2_500 / 10_000: the most a fault compensates the standard job's consumer.
    uint256 internal constant COMPENSATION = 25e18;
    /// @dev The standard job's slash beyond the cap (50 - 25), half burnt, half to the treasury.
    uint256 internal constant SLASH_BURNT = 12.5e18;
    uint256 internal constant SLASH_TREASURY = 12.5e18;
    uint256 internal constant CONSUMER_FUNDS = 1_000e18;
    uint256 internal constant PROVIDER_STAKE = 1_000e18;
    /// @dev The standard job released at 60 units: pay 60, fee 0.6, burn 0.3, provider 59.1, refund 40.
    uint256 internal constant PAY_60 = 59.1e18;
    uint256 internal constant REFUND_60 = 40e18;
    uint256 internal constant FEE_60 = 0.6e18;
    uint256 internal constant BURN_60 = 0.3e18;

    /// @notice Everything a job can move: token balances, supply, escrow ledgers, provider stake.
    struct Money {
        uint256 consumerBal;
        uint256 providerBal;
        uint256 treasuryBal;
        uint256 escrowBal;
        uint256 stakingBal;
        uint256 supply;
        uint256 consumerClaim;
        uint256 providerClaim;
        uint256 fees;
        uint256 burns;
        uint256 free;
        uint256 locked;
        uint256 unbonding;
    }

    /// @notice Expected change of each Money field; a field left at zero must not move.
    struct Delta {
        int256 consumerBal;
        int256 providerBal;
        int256 treasuryBal;
        int256 escrowBal;
        int256 stakingBal;
        int256 supply;
        int256 consumerClaim;
        int256 providerClaim;
        int256 fees;
        int256 burns;
        int256 free;
        int256 locked;
        int256 unbonding;
    }

    function setUp() public virtual override {
        super.setUp();
        redeploy();
        fund(consumer, CONSUMER_FUNDS);
        fundAndStake(provider, PROVIDER_STAKE);
    }

    /// @dev Hook for suites that need other escrow parameters: replace `staking`/`escrow` here,
    /// before the provider stakes.
    function redeploy() internal virtual {}

    /// @dev The fixture's escrow parameters over the current token, staking and committee.
    function escrowConfig(uint256 collateralBps) internal view returns (EscrowParameters.Config memory) {
        return EscrowParameters.Config({
            credit: IGPUCredit(address(gpuc)),
            staking: IProviderStaking(address(staking)),
            committee: IOracleCommittee(address(committee)),
            treasury: treasury,
            feeBps: FEE_BPS,
            burnBps: BURN_BPS,
            collateralBps: collateralBps,
            slashBurnBps: SLASH_BURN_BPS,
            disputeWindow: DISPUTE_WINDOW,
            maxJobDuration: MAX_JOB_DURATION,
            verdictWindow: VERDICT_WINDOW,
            disputeBondBps: DISPUTE_BOND_BPS,
            compensationCapBps: COMPENSATION_CAP_BPS
        });
    }

    // ---------------------------------------------------------------- money

    function money() internal view returns (Money memory m) {
        m.consumerBal = gpuc.balanceOf(consumer);
        m.providerBal = gpuc.balanceOf(provider);
        m.treasuryBal = gpuc.balanceOf(treasury);
        m.escrowBal = gpuc.balanceOf(address(escrow));
        m.stakingBal = gpuc.balanceOf(address(staking));
        m.supply = gpuc.totalSupply();
        m.consumerClaim = escrow.claimable(consumer);
        m.providerClaim = escrow.claimable(provider);
        (m.fees, m.burns) = escrow.accrued();
        IProviderStaking.StakeAccount memory s = staking.stakeOf(provider);
        m.free = s.free;
        m.locked = s.locked;
        m.unbonding = s.unbonding;
    }

    function assertDelta(Money memory b, Money memory a, Delta memory d) internal pure {
        _delta(b.consumerBal, a.consumerBal, d.consumerBal, "consumer balance");
        _delta(b.providerBal, a.providerBal, d.providerBal, "provider balance");
        _delta(b.treasuryBal, a.treasuryBal, d.treasuryBal, "treasury balance");
        _delta(b.escrowBal, a.escrowBal, d.escrowBal, "escrow balance");
        _delta(b.stakingBal, a.stakingBal, d.stakingBal, "staking balance");
        _delta(b.supply, a.supply, d.supply, "total supply");
        _delta(b.consumerClaim, a.consumerClaim, d.consumerClaim, "consumer claimable");
        _delta(b.providerClaim, a.providerClaim, d.providerClaim, "provider claimable");
        _delta(b.fees, a.fees, d.fees, "accrued fees");
        _delta(b.burns, a.burns, d.burns, "accrued burns");
        _delta(b.free, a.free, d.free, "free stake");
        _delta(b.locked, a.locked, d.locked, "locked stake");
        _delta(b.unbonding, a.unbonding, d.unbonding, "unbonding stake");
    }

    function assertUnchanged(Money memory b) internal view {
        Delta memory none;
        assertDelta(b, money(), none);
    }

    function _delta(uint256 before, uint256 afterwards, int256 expected, string memory what) private pure {
        vm.assertEq(int256(afterwards) - int256(before), expected, what);
    }

    /// @dev Pull everything out (both parties, fees, burns) so the escrow's balance can be checked empty.
    function drain() internal {
        if (escrow.claimable(consumer) != 0) {
            vm.prank(consumer);
            escrow.claim();
        }
        if (escrow.claimable(provider) != 0) {
            vm.prank(provider);
            escrow.claim();
        }
        (uint128 fees, uint128 burns) = escrow.accrued();
        if (fees != 0) escrow.collectFees();
        if (burns != 0) escrow.burnAccrued();
    }

    // ---------------------------------------------------------------- jobs

    function stdTerms() internal returns (IJobEscrow.JobTerms memory) {
        return terms(BUDGET, PRICE);
    }

    function statusOf(bytes32 jobId) internal view returns (IJobEscrow.Status st) {
        (st,,,) = escrow.jobs(jobId);
    }

    function paidOutOf(bytes32 jobId) internal view returns (bool paidOut) {
        (,,, paidOut) = escrow.jobs(jobId);
    }

    function assertStatus(bytes32 jobId, IJobEscrow.Status expected) internal view {
        assertEq(uint256(statusOf(jobId)), uint256(expected), "job status");
    }

    /// @dev A release settlement records the outcome and moves nothing: the only log is the
    /// escrow's JobSettled (no CollateralUnlocked, no Transfer), and every Money field is as before.
    function assertSettledOnly(Vm.Log[] memory logs, bytes32 jobId, Money memory b) internal view {
        assertEq(logs.length, 1, "settlement emits JobSettled only");
        assertEq(logs[0].emitter, address(escrow), "emitted by the escrow");
        assertEq(logs[0].topics[0], IJobEscrow.JobSettled.selector, "JobSettled");
        assertEq(logs[0].topics[1], jobId, "JobSettled job");
        assertUnchanged(b);
        assertFalse(paidOutOf(jobId), "not paid out yet");
    }

    /// @dev What paying out the standard job released at 60 units moves.
    function releaseDelta60() internal pure returns (Delta memory d) {
        d.providerClaim = toInt(PAY_60);
        d.consumerClaim = toInt(REFUND_60);
        d.fees = toInt(FEE_60);
        d.burns = toInt(BURN_60);
        d.free = toInt(COLLATERAL);
        d.locked = -toInt(COLLATERAL);
    }

    /// @dev The standard job released at 60 units, paid out and drained: every party holds its share.
    function drainedDelta60() internal pure returns (Delta memory d) {
        d.providerBal = toInt(PAY_60);
        d.consumerBal = toInt(REFUND_60);
        d.treasuryBal = toInt(FEE_60);
        d.escrowBal = -toInt(BUDGET);
        d.supply = -toInt(BURN_60);
        d.free = toInt(COLLATERAL);
        d.locked = -toInt(COLLATERAL);
    }

    /// @dev `by` pays out the standard job settled at 60 units: JobPaidOut and one unlock are
    /// emitted, releaseDelta60 moves, the job stays Settled with its paid-out flag set.
    function payOutAndCheckRelease60(IJobEscrow.JobTerms memory t, bytes32 jobId, address by) internal {
        Money memory b = money();
        IJobEscrow.JobTerms[] memory ts = new IJobEscrow.JobTerms[](1);
        ts[0] = t;
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.JobPaidOut(jobId, provider, PAY_60, REFUND_60);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.CollateralUnlocked(provider, COLLATERAL);
        vm.prank(by);
        assertEq(escrow.payOut(ts), 1, "one job paid out");
        assertDelta(b, money(), releaseDelta60());
        assertStatus(jobId, IJobEscrow.Status.Settled);
        assertTrue(paidOutOf(jobId), "paid out");
    }

    /// @dev The CollateralUnlocked logs in `logs`, as (provider, amount) in emission order.
    function unlocksIn(Vm.Log[] memory logs) internal view returns (address[] memory who, uint256[] memory amount) {
        uint256 n;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (isUnlock(logs[i])) ++n;
        }
        who = new address[](n);
        amount = new uint256[](n);
        n = 0;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (!isUnlock(logs[i])) continue;
            who[n] = address(uint160(uint256(logs[i].topics[1])));
            amount[n] = abi.decode(logs[i].data, (uint256));
            ++n;
        }
    }

    function isUnlock(Vm.Log memory log) private view returns (bool) {
        return log.emitter == address(staking) && log.topics[0] == IProviderStaking.CollateralUnlocked.selector;
    }

    function resultOf(bytes32 jobId) internal pure returns (bytes32) {
        return keccak256(abi.encode("result", jobId));
    }

    /// @dev Open, accept and submit a receipt for `units`; the dispute window starts now.
    function deliver(IJobEscrow.JobTerms memory t, uint64 units) internal returns (bytes32 jobId) {
        jobId = openAndAccept(t);
        vm.prank(t.provider);
        escrow.submitReceipt(t, resultOf(jobId), units);
    }

    function deliverAndDispute(IJobEscrow.JobTerms memory t, uint64 units) internal returns (bytes32 jobId) {
        jobId = deliver(t, units);
        disputeAsConsumer(t);
    }

    /// @dev The consumer approves the bond and disputes.
    function disputeAsConsumer(IJobEscrow.JobTerms memory t) internal {
        vm.startPrank(t.consumer);
        gpuc.approve(address(escrow), escrow.disputeBondFor(t.budget));
        escrow.dispute(t);
        vm.stopPrank();
    }

    /// @dev A 2-of-3 signed single-job verdict under the current epoch.
    function signedVerdict(bytes32 jobId, uint8 outcome, uint64 units)
        internal
        view
        returns (IJobEscrow.Verdict memory v, bytes memory sigs)
    {
        v = verdict(jobId, outcome, units);
        sigs = twoOf3(escrow.verdictDigest(v));
    }

    function item(bytes32 jobId, uint8 outcome, uint64 units) internal pure returns (IJobEscrow.VerdictItem memory) {
        return IJobEscrow.VerdictItem({jobId: jobId, outcome: outcome, units: units, resultHash: resultOf(jobId)});
    }

    /// @dev 2-of-3 signatures over the batch digest of `settlements` under `epoch`.
    function signBatch(IJobEscrow.Settlement[] memory settlements, uint64 epoch) internal view returns (bytes memory) {
        IJobEscrow.VerdictItem[] memory items = new IJobEscrow.VerdictItem[](settlements.length);
        for (uint256 i = 0; i < settlements.length; ++i) {
            items[i] = settlements[i].verdict;
        }
        return twoOf3(escrow.verdictBatchDigest(items, epoch));
    }

    /// @dev ceil(budget * COLLATERAL_BPS / 10_000), computed here rather than asked of the escrow.
    function collateralOf(uint256 budget) internal pure returns (uint256) {
        return (budget * COLLATERAL_BPS + 9_999) / 10_000;
    }

    function toInt(uint256 x) internal pure returns (int256) {
        return int256(x);
    }
}
