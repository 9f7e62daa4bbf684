// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {HandlerBase} from "./HandlerBase.sol";
import {StakeModel} from "./StakeModel.sol";
import {IProviderStaking} from "../../../src/interfaces/IProviderStaking.sol";
import {Assert} from "../../utils/Assert.sol";

/// @notice A staker's own calls (unbond, withdraw), each checked against the stake model, and
/// the liveness drain every handler ends with: unbond everything, wait, withdraw everything.
abstract contract StakerActions is HandlerBase {
    using StakeModel for StakeModel.Account;

    /// @notice Withdrawals that succeeded before the delay since the last unbond request.
    uint256 public earlyWithdrawals;

    /// @dev `who` already holds `amount` of `token`.
    function _stakeHeld(
        IProviderStaking staking,
        IERC20 token,
        address who,
        StakeModel.Account storage s,
        uint256 amount
    ) internal {
        vm.startPrank(who);
        token.approve(address(staking), amount);
        (bool ok, bytes memory ret) = address(staking).call(abi.encodeCall(IProviderStaking.stake, (amount)));
        vm.stopPrank();
        _expect("stake", ok, amount > 0, ret);
        if (ok) s.stake(amount);
    }

    function _requestUnbond(IProviderStaking staking, address who, StakeModel.Account storage s, uint256 amount)
        internal
    {
        vm.prank(who);
        (bool ok, bytes memory ret) = address(staking).call(abi.encodeCall(IProviderStaking.requestUnbond, (amount)));
        _expect("requestUnbond", ok, amount > 0 && amount <= s.free, ret);
        if (ok) s.requestUnbond(amount, staking.unbondingDelay());
    }

    function _withdraw(IProviderStaking staking, IERC20 token, address who, StakeModel.Account storage s) internal {
        bool expectOk = s.unbonding > 0 && block.timestamp >= s.readyAt;
        uint256 before = token.balanceOf(who);
        vm.prank(who);
        (bool ok, bytes memory ret) = address(staking).call(abi.encodeCall(IProviderStaking.withdraw, ()));
        if (ok && block.timestamp < s.lastUnbondAt + staking.unbondingDelay()) ++earlyWithdrawals;
        _expect("withdraw", ok, expectOk, ret);
        if (!ok) return;
        uint256 amount = s.withdraw();
        Assert.eq(token.balanceOf(who) - before, amount, "withdraw: paid the whole unbonding stake");
    }

    /// @notice Liveness: with no collateral locked, every staker can unbond all it has and
    /// withdraw it once the delay has passed, leaving the staking contract empty.
    function _unbondAndWithdrawAll(
        IProviderStaking staking,
        IERC20 token,
        address[] storage stakers,
        mapping(address => StakeModel.Account) storage stakes
    ) internal {
        uint256 latest = block.timestamp;
        for (uint256 i = 0; i < stakers.length; ++i) {
            StakeModel.Account storage s = stakes[stakers[i]];
            Assert.eq(s.locked, 0, "drain: collateral still locked");
            if (s.free > 0) _requestUnbond(staking, stakers[i], s, s.free);
            if (s.readyAt > latest) latest = s.readyAt;
        }
        vm.warp(latest);
        for (uint256 i = 0; i < stakers.length; ++i) {
            if (stakes[stakers[i]].unbonding > 0) _withdraw(staking, token, stakers[i], stakes[stakers[i]]);
        }
        Assert.eq(token.balanceOf(address(staking)), 0, "drain: staking still holds credits");
    }
}
