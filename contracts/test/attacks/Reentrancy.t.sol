// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {AttackBase} from "./AttackBase.sol";
import {HookCredit} from "./mocks/HookCredit.sol";
import {Reenterer} from "./mocks/Reenterer.sol";
import {CreditSale} from "../../src/CreditSale.sol";
import {GPUCredit} from "../../src/GPUCredit.sol";
import {JobEscrow} from "../../src/JobEscrow.sol";
import {ProviderStaking} from "../../src/ProviderStaking.sol";
import {ICreditSale} from "../../src/interfaces/ICreditSale.sol";
import {IGPUCredit} from "../../src/interfaces/IGPUCredit.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice design.md §3 attack: reentrancy through every ETH or token transfer. An attacker
/// contract is paid (ETH payout, or a token whose transfers call the recipient/sender) and
/// tries to re-enter the paying contract; every attempt must fail and the money move once.
/// A release pays in two steps (settle records, payOut credits); both are covered.
contract ReentrancyAttackTest is AttackBase {
    bytes internal constant REENTRANT =
        abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);

    Reenterer internal attacker;

    function setUp() public override {
        super.setUp();
        attacker = new Reenterer();
        vm.label(address(attacker), "attacker");
    }

    function _attackerBuys(CreditSale s, uint256 reserveIn) internal returns (uint256 credits) {
        vm.deal(address(attacker), address(attacker).balance + reserveIn);
        bytes memory ret = attacker.exec(address(s), reserveIn, abi.encodeCall(ICreditSale.buy, (reserveIn, 0)));
        credits = abi.decode(ret, (uint256));
    }

    // ---------------------------------------------------------------- ETH payouts

    function test_RedeemEthPayoutCannotReenterTheSale() public {
        uint256 credits = _attackerBuys(sale, 0.1 ether);
        vm.deal(address(attacker), 1 ether);
        uint256 half = credits / 2;
        attacker.arm(address(sale), 0, abi.encodeCall(ICreditSale.redeem, (half, 0)));
        attacker.arm(address(sale), 0.01 ether, abi.encodeCall(ICreditSale.buy, (0.01 ether, 0)));
        attacker.arm(address(sale), 0, abi.encodeCall(ICreditSale.withdrawSpread, ()));
        uint256 ethBefore = address(attacker).balance;
        uint256 supplyBefore = gpuc.totalSupply();

        attacker.exec(address(sale), 0, abi.encodeCall(ICreditSale.redeem, (half, 0)));

        assertEq(attacker.callbacks(), 1, "the payout handed control to the attacker");
        assertReentryFailedWith(attacker, 0, REENTRANT, "redeem inside redeem");
        assertReentryFailedWith(attacker, 1, REENTRANT, "buy inside redeem");
        assertReentryFailedWith(attacker, 2, REENTRANT, "withdrawSpread inside redeem");
        assertEq(address(attacker).balance - ethBefore, sale.quoteRedeem(half), "paid once");
        assertEq(gpuc.balanceOf(address(attacker)), credits - half, "burnt once");
        assertEq(supplyBefore - gpuc.totalSupply(), half, "supply fell once");
        assertGe(sale.reserveHeld(), gpuc.totalSupply() * RATE / 1e18, "reserve still covers supply");
    }

    function test_WithdrawSpreadToAReenteringTreasuryPaysOnce() public {
        CreditSale s = new CreditSale(address(0), RATE, address(attacker), SPREAD_BPS, admin);
        GPUCredit c = GPUCredit(address(s.credit()));
        vm.deal(consumer, 1 ether);
        vm.prank(consumer);
        s.buy{value: 1 ether}(1 ether, 0);
        uint256 accrued = s.spreadAccrued();
        assertGt(accrued, 0, "spread accrued");
        uint256 credits = _attackerBuys(s, 0.1 ether);
        accrued = s.spreadAccrued();
        attacker.arm(address(s), 0, abi.encodeCall(ICreditSale.withdrawSpread, ()));
        attacker.arm(address(s), 0, abi.encodeCall(ICreditSale.redeem, (credits, 0)));
        attacker.arm(address(s), 0.01 ether, abi.encodeCall(ICreditSale.buy, (0.01 ether, 0)));
        vm.deal(address(attacker), 1 ether);
        uint256 before = address(attacker).balance;

        vm.prank(stranger);
        s.withdrawSpread();

        assertReentryFailedWith(attacker, 0, REENTRANT, "withdrawSpread inside withdrawSpread");
        assertReentryFailedWith(attacker, 1, REENTRANT, "redeem inside withdrawSpread");
        assertReentryFailedWith(attacker, 2, REENTRANT, "buy inside withdrawSpread");
        assertEq(address(attacker).balance - before, accrued, "the treasury was paid the spread once");
        assertEq(s.spreadAccrued(), 0, "nothing left accrued");
        assertEq(c.balanceOf(address(attacker)), credits, "no credits moved");
        assertGe(s.reserveHeld(), c.totalSupply() * RATE / 1e18, "reserve still covers supply");
    }

    function test_ReceiverThatRevertsCannotTakeTheReserveWithoutBurning() public {
        uint256 credits = _attackerBuys(sale, 0.1 ether);
        // A receiver whose re-entry bubbles up makes the whole redeem revert: nothing burnt, nothing paid.
        Reverting bad = new Reverting();
        attacker.exec(address(gpuc), 0, abi.encodeCall(gpuc.transfer, (address(bad), credits)));
        uint256 reserve = sale.reserveHeld();
        vm.prank(address(bad));
        vm.expectRevert();
        sale.redeem(credits, 0);
        assertEq(gpuc.balanceOf(address(bad)), credits, "credits kept");
        assertEq(sale.reserveHeld(), reserve, "reserve kept");
    }

    // ---------------------------------------------------------------- token transfers

    /// @notice GPUC itself calls nobody on transfer: holding or receiving it gives no control.
    function test_GpucTransfersHandNoControlToTheRecipient() public {
        fund(consumer, 10e18);
        attacker.arm(address(sale), 0, abi.encodeCall(ICreditSale.withdrawSpread, ()));
        vm.prank(consumer);
        gpuc.transfer(address(attacker), 10e18);
        assertEq(attacker.callbacks(), 0, "a GPUC transfer called the recipient");
    }

    /// @notice An ERC-20 reserve whose transfers call the buyer (ERC-777 style): the buyer
    /// cannot re-enter buy or redeem while its payment or payout is moving.
    function test_HookedErc20ReserveCannotReenterBuyOrRedeem() public {
        HookCredit reserve = new HookCredit();
        CreditSale s = new CreditSale(address(reserve), 1e18, treasury, SPREAD_BPS, admin);
        GPUCredit c = GPUCredit(address(s.credit()));
        reserve.mint(address(attacker), 100e18);
        attacker.exec(address(reserve), 0, abi.encodeCall(reserve.approve, (address(s), type(uint256).max)));
        attacker.exec(address(reserve), 0, abi.encodeCall(reserve.setHooked, (true)));

        attacker.arm(address(s), 0, abi.encodeCall(ICreditSale.buy, (1e18, 0)));
        attacker.arm(address(s), 0, abi.encodeCall(ICreditSale.withdrawSpread, ()));
        bytes memory ret = attacker.exec(address(s), 0, abi.encodeCall(ICreditSale.buy, (10e18, 0)));
        uint256 credits = abi.decode(ret, (uint256));
        assertReentryFailedWith(attacker, 0, REENTRANT, "buy inside buy");
        assertReentryFailedWith(attacker, 1, REENTRANT, "withdrawSpread inside buy");
        assertEq(c.balanceOf(address(attacker)), credits, "minted once");

        attacker.arm(address(s), 0, abi.encodeCall(ICreditSale.redeem, (credits / 2, 0)));
        attacker.arm(address(s), 0, abi.encodeCall(ICreditSale.buy, (1e18, 0)));
        uint256 before = reserve.balanceOf(address(attacker));
        attacker.exec(address(s), 0, abi.encodeCall(ICreditSale.redeem, (credits / 2, 0)));
        assertReentryFailedWith(attacker, 2, REENTRANT, "redeem inside redeem");
        assertReentryFailedWith(attacker, 3, REENTRANT, "buy inside redeem");
        assertEq(reserve.balanceOf(address(attacker)) - before, s.quoteRedeem(credits / 2), "paid once");
        assertGe(s.reserveHeld(), c.totalSupply() * 1e18 / 1e18, "reserve still covers supply");
    }

    /// @notice An escrow and staking deployed over a hooked credit: a consumer re-entering
    /// claim/cancel/refund from inside its payout, or a provider re-entering withdraw, gets
    /// nothing more (guard or state already cleared).
    function test_HookedCreditCannotReenterEscrowOrStaking() public {
        (HookCredit credit, JobEscrow e, ProviderStaking st) = _hookedEscrowWithFundedAttacker();
        attacker.exec(address(credit), 0, abi.encodeCall(credit.approve, (address(e), type(uint256).max)));
        IJobEscrow.JobTerms memory t = termsFor(address(attacker), provider, 40e18, 1e18);
        bytes32 jobId = abi.decode(attacker.exec(address(e), 0, abi.encodeCall(IJobEscrow.open, (t))), (bytes32));
        attacker.exec(address(e), 0, abi.encodeCall(IJobEscrow.cancel, (t)));
        attacker.exec(address(credit), 0, abi.encodeCall(credit.setHooked, (true)));

        attacker.arm(address(e), 0, abi.encodeCall(IJobEscrow.claim, ()));
        attacker.arm(address(e), 0, abi.encodeCall(IJobEscrow.cancel, (t)));
        attacker.arm(address(e), 0, abi.encodeCall(IJobEscrow.refund, (t)));
        attacker.exec(address(e), 0, abi.encodeCall(IJobEscrow.claim, ()));

        assertReentryFailedWith(attacker, 0, REENTRANT, "claim inside claim");
        bytes memory wrongStatus =
            abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Refunded);
        assertReentryFailedWith(attacker, 1, wrongStatus, "cancel inside claim");
        assertReentryFailedWith(attacker, 2, wrongStatus, "refund inside claim");
        assertEq(credit.balanceOf(address(attacker)), 100e18, "the budget came back exactly once");
        assertEq(credit.balanceOf(address(e)), 0, "the escrow is empty");

        // provider side: withdraw re-entered from inside its payout
        attacker.exec(address(credit), 0, abi.encodeCall(credit.setHooked, (false)));
        attacker.exec(address(credit), 0, abi.encodeCall(credit.approve, (address(st), type(uint256).max)));
        attacker.exec(address(st), 0, abi.encodeCall(IProviderStaking.stake, (60e18)));
        attacker.exec(address(st), 0, abi.encodeCall(IProviderStaking.requestUnbond, (60e18)));
        vm.warp(block.timestamp + UNBONDING_DELAY);
        attacker.exec(address(credit), 0, abi.encodeCall(credit.setHooked, (true)));
        attacker.arm(address(st), 0, abi.encodeCall(IProviderStaking.withdraw, ()));
        attacker.arm(address(st), 0, abi.encodeCall(IProviderStaking.stake, (1e18)));
        attacker.exec(address(st), 0, abi.encodeCall(IProviderStaking.withdraw, ()));
        assertReentryFailedWith(attacker, 3, REENTRANT, "withdraw inside withdraw");
        assertReentryFailedWith(attacker, 4, REENTRANT, "stake inside withdraw");
        assertEq(credit.balanceOf(address(attacker)), 100e18, "the stake came back exactly once");
        assertEq(credit.balanceOf(address(st)), 0, "staking is empty");
    }

    /// @notice payOut over a hooked credit: it only moves balances, so paying the attacker (a
    /// provider) hands it no control; re-entering payOut or claim from inside its claim payout
    /// is refused, the job it tried to pay stays unpaid, and a later payOut pays it exactly once.
    function test_HookedCreditCannotReenterThroughPayOut() public {
        (HookCredit credit, JobEscrow e, ProviderStaking st) = _hookedEscrowWithFundedAttacker();
        attacker.exec(address(credit), 0, abi.encodeCall(credit.approve, (address(st), type(uint256).max)));
        attacker.exec(address(st), 0, abi.encodeCall(IProviderStaking.stake, (100e18)));
        credit.mint(consumer, 100e18);
        vm.prank(consumer);
        credit.approve(address(e), type(uint256).max);
        IJobEscrow.JobTerms[] memory one = new IJobEscrow.JobTerms[](1);
        IJobEscrow.JobTerms[] memory two = new IJobEscrow.JobTerms[](1);
        one[0] = termsFor(consumer, address(attacker), 40e18, 1e18);
        two[0] = termsFor(consumer, address(attacker), 20e18, 1e18);
        _openAcceptAndRelease(e, one[0], 30);
        bytes32 id2 = _openAcceptAndRelease(e, two[0], 10);
        assertEq(e.claimable(address(attacker)) + e.claimable(consumer), 0, "settlement moved no money");
        assertEq(st.stakeOf(address(attacker)).locked, 30e18, "settlement left both collaterals locked");
        attacker.exec(address(credit), 0, abi.encodeCall(credit.setHooked, (true)));

        uint256 callbacks = attacker.callbacks();
        vm.prank(stranger);
        assertEq(e.payOut(one), 1, "the first job paid out");
        assertEq(attacker.callbacks(), callbacks, "payOut handed control to the provider");
        uint256 net1 = _net(30e18);
        assertEq(e.claimable(address(attacker)), net1, "the provider was credited");

        attacker.arm(address(e), 0, abi.encodeCall(IJobEscrow.payOut, (two)));
        attacker.arm(address(e), 0, abi.encodeCall(IJobEscrow.payOut, (one)));
        attacker.arm(address(e), 0, abi.encodeCall(IJobEscrow.claim, ()));
        attacker.exec(address(e), 0, abi.encodeCall(IJobEscrow.claim, ()));

        assertEq(attacker.callbacks(), callbacks + 1, "the claim payout handed control to the provider");
        assertReentryFailedWith(attacker, 0, REENTRANT, "payOut of an unpaid job inside claim");
        assertReentryFailedWith(attacker, 1, REENTRANT, "payOut of a paid job inside claim");
        assertReentryFailedWith(attacker, 2, REENTRANT, "claim inside claim");
        assertEq(credit.balanceOf(address(attacker)), net1, "the first job's pay came out exactly once");
        (,,, bool paid2) = e.jobs(id2);
        assertFalse(paid2, "the re-entered payOut left no trace");
        assertEq(st.stakeOf(address(attacker)).locked, 10e18, "the second collateral is still locked");
        _payBothAgain(e, st, one[0], two[0]);
    }

    /// @dev After the refused re-entry: a list naming the unpaid job twice and the paid one
    /// pays the unpaid job exactly once and leaves the escrow holding exactly what it owes.
    function _payBothAgain(
        JobEscrow e,
        ProviderStaking st,
        IJobEscrow.JobTerms memory paid,
        IJobEscrow.JobTerms memory unpaid
    ) internal {
        IJobEscrow.JobTerms[] memory again = new IJobEscrow.JobTerms[](3);
        (again[0], again[1], again[2]) = (unpaid, paid, unpaid);
        vm.prank(stranger);
        assertEq(e.payOut(again), 1, "only the unpaid job paid, once");
        (,,, bool paid1) = e.jobs(e.jobIdOf(paid));
        (,,, bool paid2) = e.jobs(e.jobIdOf(unpaid));
        assertTrue(paid1 && paid2, "both jobs paid out");
        assertEq(e.claimable(address(attacker)), _net(10e18), "the second job's pay, once");
        assertEq(e.claimable(consumer), 10e18 + 10e18, "both refunds, once each");
        assertEq(st.stakeOf(address(attacker)).locked, 0, "all collateral unlocked");
        assertEq(st.stakeOf(address(attacker)).free, 100e18, "the whole stake is free again");
        (uint128 fees, uint128 burns) = e.accrued();
        assertEq(
            IGPUCredit(address(e.credit())).balanceOf(address(e)),
            e.claimable(address(attacker)) + e.claimable(consumer) + fees + burns,
            "the escrow holds exactly what it owes"
        );
    }

    /// @dev An escrow and staking over a fresh hooked credit; the attacker holds 100 of it.
    function _hookedEscrowWithFundedAttacker() internal returns (HookCredit credit, JobEscrow e, ProviderStaking st) {
        credit = new HookCredit();
        (e, st) = deployEscrow(IGPUCredit(address(credit)), IOracleCommittee(address(committee)));
        credit.mint(address(attacker), 100e18);
    }

    function _openAcceptAndRelease(JobEscrow e, IJobEscrow.JobTerms memory t, uint64 units)
        internal
        returns (bytes32 jobId)
    {
        vm.prank(t.consumer);
        jobId = e.open(t);
        attacker.exec(address(e), 0, abi.encodeCall(IJobEscrow.accept, (t)));
        IJobEscrow.Verdict memory v = releaseVerdict(jobId, units);
        e.settle(t, v, twoSigs(e.verdictDigest(v)));
    }

    /// @dev What the provider nets from `pay` after the protocol fee and burn.
    function _net(uint256 pay) internal pure returns (uint256) {
        return pay - pay * FEE_BPS / 10_000 - pay * BURN_BPS / 10_000;
    }
}

/// @dev A receiver that refuses ETH.
contract Reverting {
    receive() external payable {
        revert("no");
    }
}
