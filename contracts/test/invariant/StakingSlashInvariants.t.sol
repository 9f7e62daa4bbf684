// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "../utils/Fixture.sol";
import {SlashHandler} from "./handlers/SlashHandler.sol";
import {StakeModel} from "./handlers/StakeModel.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice design.md §3 invariant 6 on a ProviderStaking whose escrow is the handler, so
/// collateral and slash amounts are arbitrary (the real escrow only ever slashes a job's own
/// collateral): a slash never exceeds the stake it may reach, reaches unbonding stake, and is
/// > 0 whenever there is stake and something is asked. Staking-side conservation (3) and the
/// withdrawal delay (5) are checked here too.
contract StakingSlashInvariantsTest is Fixture {
    SlashHandler internal handler;
    IProviderStaking internal slashStaking;

    function setUp() public override {
        super.setUp();
        handler = new SlashHandler(sale, escrow, admin);
        slashStaking = handler.staking();
        vm.prank(admin);
        slashStaking.setEscrow(address(handler));
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](11);
        selectors[0] = handler.stake.selector;
        selectors[1] = handler.requestUnbond.selector;
        selectors[2] = handler.withdraw.selector;
        selectors[3] = handler.lock.selector;
        selectors[4] = handler.unlock.selector;
        selectors[5] = handler.slash.selector;
        selectors[6] = handler.slash.selector;
        selectors[7] = handler.collateralRounding.selector;
        selectors[8] = handler.warp.selector;
        selectors[9] = handler.stake.selector;
        selectors[10] = handler.requestUnbond.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice Every invariant below after every call of one campaign (the handler's calls are
    /// paid once for all of them, not once per invariant).
    function invariant_staking() public view {
        SlashHandler.SlashLedger memory l = handler.ledger();
        _check6_slashNeverExceedsStakeOrAmount(l);
        _check6_slashReachesUnbondingStake(l);
        _check6_slashIsPositiveWhenStakeAndRateArePositive(l);
        _check3_5_stakingConservedAndDelayed(l);
    }

    function _check6_slashNeverExceedsStakeOrAmount(SlashHandler.SlashLedger memory l) internal pure {
        assertEq(l.overAmount, 0, "6: a slash took more than was asked");
        assertEq(l.overStake, 0, "6: a slash took more than the stake it may reach");
        assertEq(l.touchedOtherCollateral, 0, "6: a slash touched collateral of other jobs");
    }

    function _check6_slashReachesUnbondingStake(SlashHandler.SlashLedger memory l) internal pure {
        assertEq(l.missedUnbonding, 0, "6: a slash left unbonding stake it should have taken");
    }

    function _check6_slashIsPositiveWhenStakeAndRateArePositive(SlashHandler.SlashLedger memory l) internal pure {
        assertEq(l.zeroWithStake, 0, "6: a slash of a provider with stake took nothing");
        assertEq(l.collateralRoundedToZero, 0, "6: collateral is not ceil(budget x rate)");
    }

    /// @notice staked = free + locked + unbonding + slashed + withdrawn per provider and in
    /// total; the contract matches the model; nothing was withdrawn before its delay.
    function _check3_5_stakingConservedAndDelayed(SlashHandler.SlashLedger memory l) internal view {
        address[] memory ps = handler.providers();
        uint256 held;
        uint256 slashed;
        for (uint256 i = 0; i < ps.length; ++i) {
            StakeModel.Account memory g = handler.stakeGhost(ps[i]);
            held += StakeModel.assertMatches(g, slashStaking, ps[i]);
            slashed += g.slashed;
        }
        assertEq(gpuc.balanceOf(address(slashStaking)), held, "3: staking balance == sum of stakes");
        assertEq(gpuc.balanceOf(address(handler)), slashed, "3: the escrow holds exactly what was slashed");
        assertEq(l.slashedTotal, slashed, "3: slashed total == per-provider sums");
        assertEq(handler.earlyWithdrawals(), 0, "5: a withdrawal came before its delay");
    }

    /// @notice Liveness: after every run all collateral can be released and every stake
    /// unbonded and withdrawn once matured; the invariants still hold.
    function afterInvariant() public {
        handler.drainAll();
        invariant_staking();
    }

    /// @notice A fixed walk reaches every path, including a slash that has to take unbonding
    /// stake because the collateral does not cover it.
    function test_handlerReachesEveryPath() public {
        handler.stake(0, 100e18);
        handler.lock(0, 40e18);
        handler.requestUnbond(0, 30e18);
        handler.slash(0, 40e18, 2 + (50e18 << 8)); // mode 2: into unbonding
        handler.unlock(0, 0);
        handler.warp(27 days); // divisible by 3: a long warp, past the 14-day delay
        handler.withdraw(0);
        handler.collateralRounding(1);
        string[7] memory actions = ["stake", "lock", "requestUnbond", "slash", "unlock", "withdraw", "withdraw"];
        for (uint256 i = 0; i < actions.length; ++i) {
            assertGt(
                handler.successCount(bytes32(bytes(actions[i]))), 0, string.concat("never succeeded: ", actions[i])
            );
        }
        SlashHandler.SlashLedger memory l = handler.ledger();
        assertEq(l.reachedUnbonding, 1, "the slash reached unbonding stake");
        afterInvariant();
    }
}
