// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {EscrowTestBase} from "./EscrowTestBase.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";

/// @notice JobEscrow money out: claim, collectFees and burnAccrued (all pull, all anyone-triggered
/// except claim, which pays only the caller).
contract JobEscrowClaimTest is EscrowTestBase {
    /// @dev One settled and paid-out standard job: provider 59.1, consumer 40, fee 0.6, burn 0.3 accrued.
    function settledJob() internal returns (bytes32 jobId) {
        IJobEscrow.JobTerms memory t = stdTerms();
        jobId = openAndAccept(t);
        settleReleaseAndPayOut(t, jobId, 60);
    }

    // ---------------------------------------------------------------- claim

    function test_Emits_Claimed() public {
        settledJob();
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.Claimed(provider, 59.1e18);
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(address(escrow), provider, 59.1e18);
        vm.prank(provider);
        assertEq(escrow.claim(), 59.1e18, "returned amount");
        Delta memory d;
        d.providerBal = 59.1e18;
        d.providerClaim = -59.1e18;
        d.escrowBal = -59.1e18;
        assertDelta(b, money(), d);
    }

    function test_Claim_ConsumerRefundIndependentOfProvider() public {
        settledJob();
        Money memory b = money();
        vm.prank(consumer);
        escrow.claim();
        Delta memory d;
        d.consumerBal = 40e18;
        d.consumerClaim = -40e18;
        d.escrowBal = -40e18;
        assertDelta(b, money(), d);
    }

    function test_Claim_AccumulatesAcrossJobs() public {
        settledJob();
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 second = deliver(t, 100);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        escrow.finalize(t);
        assertStatus(second, IJobEscrow.Status.Settled);
        payOutOne(t);
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.Claimed(provider, 59.1e18 + 98.5e18);
        vm.prank(provider);
        escrow.claim();
    }

    function test_RevertWhen_ClaimBeforePayOut() public {
        // A settled release owes nothing yet: claim, collectFees and burnAccrued all find zero.
        IJobEscrow.JobTerms memory t = stdTerms();
        bytes32 jobId = openAndAccept(t);
        settleRelease(t, jobId, 60);
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NothingToClaim.selector, provider));
        vm.prank(provider);
        escrow.claim();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NothingToClaim.selector, consumer));
        vm.prank(consumer);
        escrow.claim();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NothingToClaim.selector, treasury));
        escrow.collectFees();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NothingToClaim.selector, address(0)));
        escrow.burnAccrued();
        assertUnchanged(b);
        payOutOne(t);
        vm.prank(provider);
        assertEq(escrow.claim(), 59.1e18, "claimable after payOut");
    }

    function test_RevertWhen_NothingToClaim() public {
        settledJob();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NothingToClaim.selector, stranger));
        vm.prank(stranger);
        escrow.claim();
    }

    function test_RevertWhen_ClaimTwice() public {
        settledJob();
        vm.prank(provider);
        escrow.claim();
        Money memory b = money();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NothingToClaim.selector, provider));
        vm.prank(provider);
        escrow.claim();
        assertUnchanged(b);
    }

    // ---------------------------------------------------------------- fees

    function test_Emits_FeesCollected() public {
        settledJob();
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.FeesCollected(treasury, 0.6e18);
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(address(escrow), treasury, 0.6e18);
        vm.prank(stranger); // anyone may push fees to the treasury
        assertEq(escrow.collectFees(), 0.6e18, "returned amount");
        Delta memory d;
        d.treasuryBal = 0.6e18;
        d.escrowBal = -0.6e18;
        d.fees = -0.6e18;
        assertDelta(b, money(), d);
        assertEq(gpuc.balanceOf(stranger), 0, "caller paid nothing");
    }

    function test_RevertWhen_NoFeesAccrued() public {
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NothingToClaim.selector, treasury));
        escrow.collectFees();
        settledJob();
        escrow.collectFees();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NothingToClaim.selector, treasury));
        escrow.collectFees();
    }

    // ---------------------------------------------------------------- burns

    function test_Emits_CreditsBurnt() public {
        settledJob();
        Money memory b = money();
        vm.expectEmit(true, true, true, true, address(escrow));
        emit IJobEscrow.CreditsBurnt(0.3e18);
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(address(escrow), address(0), 0.3e18);
        vm.prank(stranger);
        assertEq(escrow.burnAccrued(), 0.3e18, "returned amount");
        Delta memory d;
        d.supply = -0.3e18;
        d.escrowBal = -0.3e18;
        d.burns = -0.3e18;
        assertDelta(b, money(), d);
    }

    function test_RevertWhen_NoBurnsAccrued() public {
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NothingToClaim.selector, address(0)));
        escrow.burnAccrued();
        settledJob();
        escrow.burnAccrued();
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NothingToClaim.selector, address(0)));
        escrow.burnAccrued();
    }

    // ---------------------------------------------------------------- whole ledger

    function testFuzz_ManyJobs_LedgerDrainsToZero(uint8 count, uint256 seed) public {
        count = uint8(bound(count, 1, 6));
        uint256 supplyBefore = gpuc.totalSupply();
        uint256 burnsExpected;
        uint256 slashBurns; // accrued at the fault settlement: the slash beyond the compensation cap
        IJobEscrow.JobTerms[] memory released = new IJobEscrow.JobTerms[](count);
        uint256 nReleased;
        for (uint256 i = 0; i < count; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            IJobEscrow.JobTerms memory t = terms(bound(r, 1e18, 100e18), 1e17);
            bytes32 jobId = openAndAccept(t);
            uint64 units = uint64(bound(r >> 128, 0, t.budget / t.pricePerUnit));
            if (r % 3 == 0) {
                settleFault(t, jobId);
                uint256 collateral = collateralOf(t.budget);
                uint256 cap = uint256(t.budget) * COMPENSATION_CAP_BPS / 10_000;
                slashBurns += (collateral - (collateral < cap ? collateral : cap)) * SLASH_BURN_BPS / 10_000;
            } else {
                settleRelease(t, jobId, units);
                released[nReleased++] = t;
                burnsExpected += uint256(units) * t.pricePerUnit * BURN_BPS / 10_000;
            }
        }
        (, uint128 burns) = escrow.accrued();
        assertEq(burns, slashBurns, "release burns wait for payOut");
        assertEq(escrow.payOut(truncate(released, nReleased)), nReleased, "every release paid out");
        (, burns) = escrow.accrued();
        burnsExpected += slashBurns;
        assertEq(burns, burnsExpected, "burns accrued");
        drain();
        assertEq(gpuc.balanceOf(address(escrow)), 0, "every wei accounted for");
        assertEq(gpuc.totalSupply(), supplyBefore - burnsExpected, "supply shrank by the burns exactly");
    }

    function truncate(IJobEscrow.JobTerms[] memory ts, uint256 n) internal pure returns (IJobEscrow.JobTerms[] memory) {
        assembly {
            mstore(ts, n)
        }
        return ts;
    }
}
