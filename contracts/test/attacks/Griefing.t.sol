// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {AttackBase} from "./AttackBase.sol";
import {Signatures} from "../utils/Signatures.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice design.md §3 attack: griefing another account's timers (and money). A stranger
/// cannot restart a provider's unbonding, cancel or refund a consumer's job early, move a job
/// along for its parties, or spend someone else's allowance or permit.
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
        (st,,) = escrow.jobs(id);
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

        // an accepted job cannot be refunded at all; a disputed one only after the verdict timeout
        vm.prank(provider);
        escrow.accept(t);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Accepted));
        escrow.refund(t);
        vm.prank(provider);
        escrow.submitReceipt(t, keccak256("r"), 10);
        uint256 deliveredAt = block.timestamp;
        vm.prank(consumer);
        escrow.dispute(t);
        vm.warp(deliveredAt + 2 * DISPUTE_WINDOW);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(
                IJobEscrow.TooEarly.selector, jobId, deliveredAt + 2 * DISPUTE_WINDOW + 1, block.timestamp
            )
        );
        escrow.refund(t);
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
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.NotDisputer.selector, stranger));
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
        // fee collection is open to anyone but pays only the treasury
        settleOneJob();
        uint256 before = gpuc.balanceOf(stranger);
        (uint128 fees,) = escrow.accrued();
        vm.prank(stranger);
        escrow.collectFees();
        assertEq(gpuc.balanceOf(stranger), before, "the caller got nothing");
        assertEq(gpuc.balanceOf(treasury), fees, "the treasury got the fees");
    }

    function settleOneJob() internal {
        IJobEscrow.JobTerms memory u = terms(100e18, 1e18);
        bytes32 id = openAndAccept(u);
        settleRelease(u, id, 100);
    }
}
