// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StakerActions} from "./StakerActions.sol";
import {StakeModel} from "./StakeModel.sol";
import {CreditSale} from "../../../src/CreditSale.sol";
import {GPUCredit} from "../../../src/GPUCredit.sol";
import {JobEscrow} from "../../../src/JobEscrow.sol";
import {ProviderStaking} from "../../../src/ProviderStaking.sol";
import {IProviderStaking} from "../../../src/interfaces/IProviderStaking.sol";
import {Assert} from "../../utils/Assert.sol";

/// @notice Plays the escrow of a ProviderStaking of its own (design.md §3, invariant 6): locks,
/// unlocks and slashes with random collateral and amounts while providers stake, unbond and
/// withdraw, and checks every slash against the model: never more than asked or than the
/// stake it may reach, it reaches unbonding stake, it is > 0 whenever it could be.
contract SlashHandler is StakerActions {
    using StakeModel for StakeModel.Account;

    struct SlashLedger {
        uint256 slashes;
        uint256 reachedUnbonding;
        uint256 overAmount;
        uint256 overStake;
        uint256 zeroWithStake;
        uint256 missedUnbonding;
        uint256 touchedOtherCollateral;
        uint256 collateralRoundedToZero;
        uint256 slashedTotal;
    }

    CreditSale public sale;
    GPUCredit public gpuc;
    ProviderStaking public staking;
    JobEscrow public escrow;

    address[] internal _providers;
    mapping(address provider => StakeModel.Account) internal _stakes;
    SlashLedger internal _ledger;

    constructor(CreditSale sale_, JobEscrow escrow_, address owner) {
        sale = sale_;
        gpuc = GPUCredit(address(sale_.credit()));
        escrow = escrow_;
        staking = new ProviderStaking(gpuc, escrow_.staking().unbondingDelay(), owner);
        for (uint256 i = 0; i < 4; ++i) {
            (address p,) = _actor(string.concat("slash.provider", vm.toString(i)));
            _providers.push(p);
        }
    }

    // ------------------------------------------------------------------ providers

    function stake(uint256 who, uint256 amount) external {
        address p = _provider(who);
        amount = bound(amount, 0, 1_000e18);
        _fund(p, amount);
        _stakeHeld(staking, gpuc, p, _stakes[p], amount);
    }

    function requestUnbond(uint256 who, uint256 amount) external {
        address p = _provider(who);
        StakeModel.Account storage s = _stakes[p];
        _requestUnbond(staking, p, s, bound(amount, 0, s.free + 1));
    }

    function withdraw(uint256 who) external {
        address p = _provider(who);
        _withdraw(staking, gpuc, p, _stakes[p]);
    }

    // ------------------------------------------------------------------ as the escrow

    function lock(uint256 who, uint256 amount) external {
        address p = _provider(who);
        StakeModel.Account storage s = _stakes[p];
        amount = bound(amount, 0, s.free + 1);
        (bool ok, bytes memory ret) = address(staking).call(abi.encodeCall(IProviderStaking.lock, (p, amount)));
        _expect("lock", ok, amount <= s.free, ret);
        if (ok) s.lock(amount);
    }

    function unlock(uint256 who, uint256 amount) external {
        address p = _provider(who);
        StakeModel.Account storage s = _stakes[p];
        amount = bound(amount, 0, s.locked + 1);
        (bool ok, bytes memory ret) = address(staking).call(abi.encodeCall(IProviderStaking.unlock, (p, amount)));
        _expect("unlock", ok, amount <= s.locked, ret);
        if (ok) s.unlock(amount);
    }

    /// @param lockedSeed the collateral released (sometimes more than is locked: must revert)
    /// @param amountSeed what is asked: zero, within the collateral, into unbonding, or beyond
    /// everything the provider has
    function slash(uint256 who, uint256 lockedSeed, uint256 amountSeed) external {
        address p = _provider(who);
        StakeModel.Account storage s = _stakes[p];
        uint256 lockedAmount = bound(lockedSeed, 0, s.locked + (lockedSeed % 16 == 0 ? 1 : 0));
        _slash(p, lockedAmount, _slashAmount(s, lockedAmount, amountSeed));
    }

    struct Before {
        uint256 received;
        uint256 otherCollateral;
        uint256 unbonding;
        uint256 reachable;
        uint256 wholeStake;
    }

    function _slash(address p, uint256 lockedAmount, uint256 amount) internal {
        StakeModel.Account storage s = _stakes[p];
        Before memory b = Before({
            received: gpuc.balanceOf(address(this)),
            otherCollateral: s.locked >= lockedAmount ? s.locked - lockedAmount : 0,
            unbonding: s.unbonding,
            reachable: lockedAmount + s.unbonding + s.free,
            wholeStake: s.total()
        });
        (bool ok, bytes memory ret) =
            address(staking).call(abi.encodeCall(IProviderStaking.slash, (p, lockedAmount, amount)));
        _expect("slash", ok, lockedAmount <= s.locked, ret);
        if (!ok) return;
        uint256 slashed = abi.decode(ret, (uint256));
        Assert.eq(slashed, s.slash(lockedAmount, amount).total, "slash: returned what the model takes");
        Assert.eq(gpuc.balanceOf(address(this)) - b.received, slashed, "slash: the escrow received it");
        IProviderStaking.StakeAccount memory a = staking.stakeOf(p);
        ++_ledger.slashes;
        _ledger.slashedTotal += slashed;
        if (slashed > amount) ++_ledger.overAmount;
        if (slashed > b.wholeStake || slashed > b.reachable) ++_ledger.overStake;
        if (amount > 0 && b.reachable > 0 && slashed == 0) ++_ledger.zeroWithStake;
        if (a.locked != b.otherCollateral) ++_ledger.touchedOtherCollateral;
        if (amount > lockedAmount && b.unbonding > 0) {
            // what the collateral could not cover comes out of unbonding stake first
            uint256 want = amount - lockedAmount < b.unbonding ? amount - lockedAmount : b.unbonding;
            if (b.unbonding - a.unbonding != want) ++_ledger.missedUnbonding;
            else ++_ledger.reachedUnbonding;
        }
    }

    /// @notice Collateral for any budget > 0 is > 0 (ceil), so a faulty provider always loses
    /// something, and never less than budget x rate.
    function collateralRounding(uint256 budget) external {
        budget = bound(budget, 1, type(uint96).max);
        uint256 c = escrow.collateralFor(budget);
        uint256 bps = escrow.collateralBps();
        if (c == 0 || c * 10_000 < budget * bps || (c - 1) * 10_000 >= budget * bps) {
            ++_ledger.collateralRoundedToZero;
        }
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + (secs % 3 == 0 ? bound(secs, 1, 30 days) : bound(secs, 1, 1 days)));
    }

    /// @notice Liveness: whatever happened, the escrow releases all collateral and every
    /// provider can unbond everything and withdraw it once the delay has passed.
    function drainAll() external {
        for (uint256 i = 0; i < _providers.length; ++i) {
            address p = _providers[i];
            StakeModel.Account storage s = _stakes[p];
            if (s.locked == 0) continue;
            (bool ok, bytes memory ret) = address(staking).call(abi.encodeCall(IProviderStaking.unlock, (p, s.locked)));
            _expect("unlock", ok, true, ret);
            s.unlock(s.locked);
        }
        _unbondAndWithdrawAll(staking, gpuc, _providers, _stakes);
    }

    // ------------------------------------------------------------------ helpers and views

    function _slashAmount(StakeModel.Account storage s, uint256 lockedAmount, uint256 seed)
        internal
        view
        returns (uint256)
    {
        uint256 mode = seed % 4;
        seed >>= 8;
        if (mode == 0) return 0;
        if (mode == 1) return bound(seed, 0, lockedAmount);
        if (mode == 2) return bound(seed, lockedAmount, lockedAmount + s.unbonding);
        return bound(seed, lockedAmount, 2 * (s.free + s.locked + s.unbonding) + 1);
    }

    function _fund(address p, uint256 credits) internal {
        uint256 reserve = (credits * sale.reservePerCredit() + 1e18 - 1) / 1e18;
        uint256 reserveIn = reserve * 10_000 / (10_000 - sale.spreadBps()) + 2;
        vm.deal(p, p.balance + reserveIn);
        vm.prank(p);
        sale.buy{value: reserveIn}(reserveIn, credits);
    }

    function _provider(uint256 seed) internal view returns (address) {
        return _providers[seed % _providers.length];
    }

    function providers() external view returns (address[] memory) {
        return _providers;
    }

    function stakeGhost(address p) external view returns (StakeModel.Account memory) {
        return _stakes[p];
    }

    function ledger() external view returns (SlashLedger memory) {
        return _ledger;
    }
}
