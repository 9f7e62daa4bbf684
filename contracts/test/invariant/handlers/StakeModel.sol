// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "../../utils/Vm.sol";
import {IProviderStaking} from "../../../src/interfaces/IProviderStaking.sol";
import {Assert} from "../../utils/Assert.sol";

/// @notice An independent model of one provider's stake, written from IProviderStaking's
/// NatSpec rather than from its code: handlers apply every successful call to it and the
/// invariants compare it with the contract.
library StakeModel {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    struct Account {
        // what the contract also stores
        uint256 free;
        uint256 locked;
        uint256 unbonding;
        uint256 readyAt;
        // ghost sums: staked = free + locked + unbonding + slashed + withdrawn
        uint256 staked;
        uint256 slashed;
        uint256 withdrawn;
        // when the last unbond request was made (the withdraw delay runs from there)
        uint256 lastUnbondAt;
    }

    struct SlashParts {
        uint256 fromLocked;
        uint256 fromUnbonding;
        uint256 fromFree;
        uint256 total;
    }

    function total(Account storage a) internal view returns (uint256) {
        return a.free + a.locked + a.unbonding;
    }

    function stake(Account storage a, uint256 amount) internal {
        a.free += amount;
        a.staked += amount;
    }

    function requestUnbond(Account storage a, uint256 amount, uint256 delay) internal {
        a.free -= amount;
        a.unbonding += amount;
        a.readyAt = block.timestamp + delay;
        a.lastUnbondAt = block.timestamp;
    }

    function withdraw(Account storage a) internal returns (uint256 amount) {
        amount = a.unbonding;
        a.withdrawn += amount;
        a.unbonding = 0;
        a.readyAt = 0;
    }

    function lock(Account storage a, uint256 amount) internal {
        a.free -= amount;
        a.locked += amount;
    }

    function unlock(Account storage a, uint256 amount) internal {
        a.locked -= amount;
        a.free += amount;
    }

    /// @notice "Release `lockedAmount` of collateral and take `amount` from it, then from
    /// unbonding, then from free stake": at most what that collateral, the unbonding stake and
    /// the free stake hold; collateral of other jobs is never touched.
    function slash(Account storage a, uint256 lockedAmount, uint256 amount) internal returns (SlashParts memory p) {
        uint256 reachable = lockedAmount + a.unbonding + a.free;
        p.total = amount < reachable ? amount : reachable;
        p.fromLocked = p.total < lockedAmount ? p.total : lockedAmount;
        uint256 rest = p.total - p.fromLocked;
        p.fromUnbonding = rest < a.unbonding ? rest : a.unbonding;
        p.fromFree = rest - p.fromUnbonding;
        a.locked -= lockedAmount;
        a.unbonding -= p.fromUnbonding;
        a.free = a.free + (lockedAmount - p.fromLocked) - p.fromFree;
        a.slashed += p.total;
    }

    /// @notice The contract's account equals the model's, the delay runs from the last
    /// request, and staked = free + locked + unbonding + slashed + withdrawn.
    /// @return held what the contract holds for this staker
    function assertMatches(Account memory g, IProviderStaking staking, address who)
        internal
        view
        returns (uint256 held)
    {
        IProviderStaking.StakeAccount memory s = staking.stakeOf(who);
        Assert.eq(s.free, g.free, "3: free stake == model");
        Assert.eq(s.locked, g.locked, "3: locked stake == model");
        Assert.eq(s.unbonding, g.unbonding, "3: unbonding stake == model");
        Assert.eq(s.unbondingReadyAt, g.readyAt, "5: readyAt == model");
        if (s.unbonding > 0) {
            Assert.eq(
                s.unbondingReadyAt, g.lastUnbondAt + staking.unbondingDelay(), "5: readyAt == last request + delay"
            );
        }
        held = uint256(s.free) + s.locked + s.unbonding;
        Assert.eq(g.staked, held + g.slashed + g.withdrawn, "3: staked == free+locked+unbonding+slashed+withdrawn");
    }
}
