// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Fixture} from "../utils/Fixture.sol";
import {PermitSigning} from "./PermitSigning.sol";
import {ProviderStaking} from "../../src/ProviderStaking.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

contract ProviderStakingTest is Fixture, PermitSigning {
    uint256 internal constant STAKE = 1_000e18;
    uint256 internal providerKey;

    function setUp() public override {
        super.setUp();
        providerKey = uint256(keccak256("provider"));
        fund(provider, STAKE);
    }

    function stakeAs(address who, uint256 amount) internal {
        vm.startPrank(who);
        gpuc.approve(address(staking), amount);
        staking.stake(amount);
        vm.stopPrank();
    }

    function stakeOf(address who) internal view returns (IProviderStaking.StakeAccount memory) {
        return staking.stakeOf(who);
    }

    function assertStake(address who, uint256 free, uint256 locked, uint256 unbonding) internal view {
        IProviderStaking.StakeAccount memory s = staking.stakeOf(who);
        assertEq(s.free, free, "free");
        assertEq(s.locked, locked, "locked");
        assertEq(s.unbonding, unbonding, "unbonding");
    }

    function asEscrowLock(uint256 amount) internal {
        vm.prank(address(escrow));
        staking.lock(provider, amount);
    }

    // ---------------------------------------------------------------- stake

    function test_Emits_Staked() public {
        uint256 balBefore = gpuc.balanceOf(provider);
        vm.prank(provider);
        gpuc.approve(address(staking), 400e18);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.Staked(provider, 400e18);
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(provider, address(staking), 400e18);
        vm.prank(provider);
        staking.stake(400e18);
        assertStake(provider, 400e18, 0, 0);
        assertEq(gpuc.balanceOf(provider), balBefore - 400e18, "provider paid");
        assertEq(gpuc.balanceOf(address(staking)), 400e18, "staking holds it");
    }

    function test_RevertWhen_StakeZero() public {
        vm.expectRevert(IProviderStaking.ZeroAmount.selector);
        vm.prank(provider);
        staking.stake(0);
    }

    function test_RevertWhen_StakeNotApproved() public {
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(staking), 0, 10e18)
        );
        vm.prank(provider);
        staking.stake(10e18);
        assertStake(provider, 0, 0, 0);
    }

    function test_RevertWhen_StakeOverflows96Bits() public {
        uint256 max = type(uint96).max;
        address whale = makeAddr("whale");
        fund(whale, max + 1);
        stakeAs(whale, max);
        vm.prank(whale);
        gpuc.approve(address(staking), 1);
        vm.expectRevert(abi.encodeWithSelector(IProviderStaking.StakeOverflow.selector, max + 1));
        vm.prank(whale);
        staking.stake(1);
        assertStake(whale, max, 0, 0);
    }

    function test_StakeWithPermit_OneTransaction() public {
        SignedPermit memory p = signPermit(gpuc, providerKey, address(staking), 300e18, block.timestamp + 1 hours);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.Staked(provider, 300e18);
        vm.prank(provider);
        staking.stakeWithPermit(300e18, p.deadline, p.v, p.r, p.s);
        assertStake(provider, 300e18, 0, 0);
        assertEq(gpuc.nonces(provider), 1, "permit used");
        assertEq(gpuc.allowance(provider, address(staking)), 0, "allowance spent");
    }

    function test_StakeWithPermit_AfterPermitFrontRun() public {
        SignedPermit memory p = signPermit(gpuc, providerKey, address(staking), 300e18, block.timestamp + 1 hours);
        // Someone copies the permit from the mempool and submits it first.
        vm.prank(stranger);
        gpuc.permit(provider, address(staking), 300e18, p.deadline, p.v, p.r, p.s);
        vm.prank(provider);
        staking.stakeWithPermit(300e18, p.deadline, p.v, p.r, p.s);
        assertStake(provider, 300e18, 0, 0);
    }

    function test_RevertWhen_StakeWithExpiredPermitAndNoAllowance() public {
        SignedPermit memory p = signPermit(gpuc, providerKey, address(staking), 300e18, block.timestamp);
        vm.warp(block.timestamp + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(staking), 0, 300e18)
        );
        vm.prank(provider);
        staking.stakeWithPermit(300e18, p.deadline, p.v, p.r, p.s);
        assertStake(provider, 0, 0, 0);
    }

    // ---------------------------------------------------------------- unbond and withdraw

    function test_Emits_UnbondRequested() public {
        stakeAs(provider, STAKE);
        uint256 readyAt = block.timestamp + UNBONDING_DELAY;
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.UnbondRequested(provider, 100e18, 100e18, readyAt);
        vm.prank(provider);
        staking.requestUnbond(100e18);
        assertStake(provider, 900e18, 0, 100e18);
        assertEq(stakeOf(provider).unbondingReadyAt, readyAt, "readyAt");
    }

    function test_RequestUnbond_RestartsDelayForWholeBucket() public {
        stakeAs(provider, STAKE);
        vm.prank(provider);
        staking.requestUnbond(100e18);
        vm.warp(block.timestamp + 10 days);
        uint256 readyAt = block.timestamp + UNBONDING_DELAY;
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.UnbondRequested(provider, 50e18, 150e18, readyAt);
        vm.prank(provider);
        staking.requestUnbond(50e18);
        // The first part would have matured now; the restart holds it back.
        vm.warp(block.timestamp + 4 days);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderStaking.UnbondingNotReady.selector, provider, readyAt, block.timestamp)
        );
        vm.prank(provider);
        staking.withdraw();
    }

    function test_RevertWhen_UnbondZero() public {
        stakeAs(provider, STAKE);
        vm.expectRevert(IProviderStaking.ZeroAmount.selector);
        vm.prank(provider);
        staking.requestUnbond(0);
    }

    function test_RevertWhen_UnbondMoreThanFree() public {
        stakeAs(provider, STAKE);
        asEscrowLock(600e18);
        // Locked collateral cannot be unbonded.
        vm.expectRevert(
            abi.encodeWithSelector(IProviderStaking.InsufficientStake.selector, provider, 400e18, 400e18 + 1)
        );
        vm.prank(provider);
        staking.requestUnbond(400e18 + 1);
        assertStake(provider, 400e18, 600e18, 0);
    }

    function test_RevertWhen_WithdrawNothingUnbonding() public {
        stakeAs(provider, STAKE);
        vm.expectRevert(abi.encodeWithSelector(IProviderStaking.NothingUnbonding.selector, provider));
        vm.prank(provider);
        staking.withdraw();
    }

    function test_RevertWhen_WithdrawOneSecondEarly() public {
        stakeAs(provider, STAKE);
        vm.prank(provider);
        staking.requestUnbond(250e18);
        uint256 readyAt = block.timestamp + UNBONDING_DELAY;
        vm.warp(readyAt - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderStaking.UnbondingNotReady.selector, provider, readyAt, readyAt - 1)
        );
        vm.prank(provider);
        staking.withdraw();
        assertStake(provider, 750e18, 0, 250e18);
    }

    function test_Emits_Withdrawn_AtReadyAt() public {
        stakeAs(provider, STAKE);
        vm.prank(provider);
        staking.requestUnbond(250e18);
        uint256 readyAt = block.timestamp + UNBONDING_DELAY;
        uint256 balBefore = gpuc.balanceOf(provider);
        vm.warp(readyAt);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.Withdrawn(provider, 250e18);
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(address(staking), provider, 250e18);
        vm.prank(provider);
        assertEq(staking.withdraw(), 250e18, "returned");
        assertEq(gpuc.balanceOf(provider), balBefore + 250e18, "paid");
        assertStake(provider, 750e18, 0, 0);
        assertEq(stakeOf(provider).unbondingReadyAt, 0, "timer cleared");
        assertEq(gpuc.balanceOf(address(staking)), 750e18, "staking keeps the rest");
    }

    function testFuzz_Withdraw_OnlyFromReadyAt(uint256 amount, uint256 wait) public {
        stakeAs(provider, STAKE);
        amount = bound(amount, 1, STAKE);
        wait = bound(wait, 0, 2 * UNBONDING_DELAY);
        uint256 start = block.timestamp;
        vm.prank(provider);
        staking.requestUnbond(amount);
        vm.warp(start + wait);
        if (wait < UNBONDING_DELAY) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IProviderStaking.UnbondingNotReady.selector, provider, start + UNBONDING_DELAY, start + wait
                )
            );
            vm.prank(provider);
            staking.withdraw();
        } else {
            vm.prank(provider);
            assertEq(staking.withdraw(), amount, "whole bucket");
        }
    }

    // ---------------------------------------------------------------- escrow-only

    function test_RevertWhen_StrangerLocks() public {
        stakeAs(provider, STAKE);
        address[3] memory callers = [stranger, admin, provider];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IProviderStaking.NotEscrow.selector, callers[i], address(escrow)));
            vm.prank(callers[i]);
            staking.lock(provider, 1e18);
        }
        assertStake(provider, STAKE, 0, 0);
    }

    function test_RevertWhen_StrangerUnlocks() public {
        stakeAs(provider, STAKE);
        asEscrowLock(100e18);
        address[3] memory callers = [stranger, admin, provider];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IProviderStaking.NotEscrow.selector, callers[i], address(escrow)));
            vm.prank(callers[i]);
            staking.unlock(provider, 100e18);
        }
        assertStake(provider, 900e18, 100e18, 0);
    }

    function test_RevertWhen_StrangerSlashes() public {
        stakeAs(provider, STAKE);
        asEscrowLock(100e18);
        address[3] memory callers = [stranger, admin, consumer];
        for (uint256 i = 0; i < callers.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IProviderStaking.NotEscrow.selector, callers[i], address(escrow)));
            vm.prank(callers[i]);
            staking.slash(provider, 100e18, 100e18);
        }
        assertStake(provider, 900e18, 100e18, 0);
        assertEq(gpuc.balanceOf(address(staking)), STAKE, "nothing left the staking contract");
        assertEq(gpuc.balanceOf(stranger), 0, "stranger got nothing");
    }

    function test_Emits_CollateralLocked() public {
        stakeAs(provider, STAKE);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.CollateralLocked(provider, 600e18);
        asEscrowLock(600e18);
        assertStake(provider, 400e18, 600e18, 0);
    }

    function test_RevertWhen_LockMoreThanFree() public {
        stakeAs(provider, STAKE);
        vm.prank(provider);
        staking.requestUnbond(300e18);
        // Unbonding stake is not free: it cannot back a new job.
        vm.expectRevert(
            abi.encodeWithSelector(IProviderStaking.InsufficientStake.selector, provider, 700e18, 700e18 + 1)
        );
        asEscrowLock(700e18 + 1);
        assertStake(provider, 700e18, 0, 300e18);
    }

    function test_Emits_CollateralUnlocked() public {
        stakeAs(provider, STAKE);
        asEscrowLock(600e18);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.CollateralUnlocked(provider, 250e18);
        vm.prank(address(escrow));
        staking.unlock(provider, 250e18);
        assertStake(provider, 650e18, 350e18, 0);
    }

    function test_RevertWhen_UnlockMoreThanLocked() public {
        stakeAs(provider, STAKE);
        asEscrowLock(100e18);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderStaking.InsufficientLocked.selector, provider, 100e18, 100e18 + 1)
        );
        vm.prank(address(escrow));
        staking.unlock(provider, 100e18 + 1);
        assertStake(provider, 900e18, 100e18, 0);
    }

    // ---------------------------------------------------------------- slash

    function test_Emits_Slashed_FromCollateral() public {
        stakeAs(provider, STAKE);
        asEscrowLock(100e18);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.Slashed(provider, 100e18, 100e18, 0, 0, address(escrow));
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(address(staking), address(escrow), 100e18);
        vm.prank(address(escrow));
        assertEq(staking.slash(provider, 100e18, 100e18), 100e18, "slashed");
        assertStake(provider, 900e18, 0, 0);
        assertEq(gpuc.balanceOf(address(escrow)), 100e18, "escrow received it");
        assertEq(gpuc.balanceOf(address(staking)), 900e18, "staking paid it");
    }

    function test_Slash_PartOfCollateralFreesTheRest() public {
        stakeAs(provider, STAKE);
        asEscrowLock(100e18);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.Slashed(provider, 40e18, 40e18, 0, 0, address(escrow));
        vm.prank(address(escrow));
        staking.slash(provider, 100e18, 40e18);
        assertStake(provider, 960e18, 0, 0);
    }

    function test_Slash_ReachesUnbondingStake() public {
        stakeAs(provider, STAKE);
        asEscrowLock(100e18);
        // Front-running the slash by unbonding everything free does not save it.
        vm.prank(provider);
        staking.requestUnbond(900e18);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.Slashed(provider, 350e18, 100e18, 250e18, 0, address(escrow));
        vm.prank(address(escrow));
        staking.slash(provider, 100e18, 350e18);
        assertStake(provider, 0, 0, 650e18);
    }

    function test_Slash_ThenFreeStake() public {
        stakeAs(provider, STAKE);
        asEscrowLock(100e18);
        vm.prank(provider);
        staking.requestUnbond(300e18);
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.Slashed(provider, 500e18, 100e18, 300e18, 100e18, address(escrow));
        vm.prank(address(escrow));
        staking.slash(provider, 100e18, 500e18);
        assertStake(provider, 500e18, 0, 0);
    }

    function test_Slash_CappedAtWholeStake() public {
        stakeAs(provider, STAKE);
        asEscrowLock(100e18);
        vm.prank(provider);
        staking.requestUnbond(300e18);
        vm.prank(address(escrow));
        uint256 slashed = staking.slash(provider, 100e18, 5_000e18);
        assertEq(slashed, STAKE, "everything, no more");
        assertStake(provider, 0, 0, 0);
        assertEq(gpuc.balanceOf(address(staking)), 0, "staking emptied");
        assertEq(gpuc.balanceOf(address(escrow)), STAKE, "escrow got all of it");
    }

    function test_Slash_OfEmptyAccountMovesNothing() public {
        vm.expectEmit(true, true, true, true, address(staking));
        emit IProviderStaking.Slashed(stranger, 0, 0, 0, 0, address(escrow));
        vm.prank(address(escrow));
        assertEq(staking.slash(stranger, 0, 10e18), 0, "nothing to take");
    }

    function test_RevertWhen_SlashMoreCollateralThanLocked() public {
        stakeAs(provider, STAKE);
        asEscrowLock(100e18);
        vm.expectRevert(
            abi.encodeWithSelector(IProviderStaking.InsufficientLocked.selector, provider, 100e18, 100e18 + 1)
        );
        vm.prank(address(escrow));
        staking.slash(provider, 100e18 + 1, 1);
        assertStake(provider, 900e18, 100e18, 0);
    }

    function testFuzz_Slash_ConservesAndNeverExceedsStake(
        uint256 lockAmt,
        uint256 unbondAmt,
        uint256 releaseAmt,
        uint256 slashAmt
    ) public {
        stakeAs(provider, STAKE);
        lockAmt = bound(lockAmt, 0, STAKE);
        unbondAmt = bound(unbondAmt, 0, STAKE - lockAmt);
        releaseAmt = bound(releaseAmt, 0, lockAmt);
        slashAmt = bound(slashAmt, 0, 2 * STAKE);
        if (lockAmt != 0) asEscrowLock(lockAmt);
        if (unbondAmt != 0) {
            vm.prank(provider);
            staking.requestUnbond(unbondAmt);
        }
        vm.prank(address(escrow));
        uint256 slashed = staking.slash(provider, releaseAmt, slashAmt);

        // Reachable: the released collateral, unbonding and free stake; other jobs' collateral is not.
        uint256 reachable = STAKE - (lockAmt - releaseAmt);
        uint256 expected = slashAmt < reachable ? slashAmt : reachable;
        assertEq(slashed, expected, "takes the amount, capped by the reachable stake");
        if (slashAmt != 0 && reachable != 0) {
            assertGt(slashed, 0, "a non-zero slash of reachable stake takes something");
        }
        IProviderStaking.StakeAccount memory s = stakeOf(provider);
        assertEq(uint256(s.free) + s.locked + s.unbonding, STAKE - slashed, "stake conserved");
        assertEq(s.locked, lockAmt - releaseAmt, "only the named collateral released");
        assertEq(gpuc.balanceOf(address(escrow)), slashed, "all of it to the escrow");
        assertEq(gpuc.balanceOf(address(staking)), STAKE - slashed, "staking balance");
    }

    // ---------------------------------------------------------------- setEscrow

    function freshStaking() internal returns (ProviderStaking s) {
        s = new ProviderStaking(gpuc, UNBONDING_DELAY, admin);
    }

    function test_Emits_EscrowSet() public {
        ProviderStaking s = freshStaking();
        vm.expectEmit(true, true, true, true, address(s));
        emit IProviderStaking.EscrowSet(address(escrow));
        vm.prank(admin);
        s.setEscrow(address(escrow));
        assertEq(s.escrow(), address(escrow), "wired");
    }

    function test_RevertWhen_StrangerSetsEscrow() public {
        ProviderStaking s = freshStaking();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        s.setEscrow(address(escrow));
        assertEq(s.escrow(), address(0), "unchanged");
    }

    function test_RevertWhen_EscrowSetTwice() public {
        vm.expectRevert(abi.encodeWithSelector(IProviderStaking.EscrowAlreadySet.selector, address(escrow)));
        vm.prank(admin);
        staking.setEscrow(address(sale));
        assertEq(staking.escrow(), address(escrow), "unchanged");
    }

    function test_RevertWhen_EscrowIsNotAContract() public {
        ProviderStaking s = freshStaking();
        vm.expectRevert(abi.encodeWithSelector(IProviderStaking.InvalidEscrow.selector, stranger));
        vm.prank(admin);
        s.setEscrow(stranger);
        vm.expectRevert(abi.encodeWithSelector(IProviderStaking.InvalidEscrow.selector, address(0)));
        vm.prank(admin);
        s.setEscrow(address(0));
        assertEq(s.escrow(), address(0), "unchanged");
    }

    function test_RevertWhen_EscrowOnlyCallBeforeWiring() public {
        ProviderStaking s = freshStaking();
        vm.expectRevert(abi.encodeWithSelector(IProviderStaking.NotEscrow.selector, stranger, address(0)));
        vm.prank(stranger);
        s.lock(provider, 0);
    }

    function test_RevertWhen_StrangerTransfersOwnership() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        staking.transferOwnership(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        staking.renounceOwnership();
        assertEq(staking.owner(), admin, "owner unchanged");
    }
}
