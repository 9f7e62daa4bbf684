// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {AttackBase} from "./AttackBase.sol";
import {ICreditSale} from "../../src/interfaces/ICreditSale.sol";
import {IGPUCredit} from "../../src/interfaces/IGPUCredit.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice design.md §3 attack: access control. Every owner-, minter- and escrow-only function,
/// called by a stranger (and the escrow-only ones also by the owner), reverts with the
/// contract's own error and changes nothing: a fingerprint of every readable piece of
/// protocol state is the same before and after each call.
contract AccessControlAttackTest is AttackBase {
    struct Call {
        address target;
        bytes data;
        bytes err;
        string name;
    }

    Call[] internal _calls;

    function setUp() public override {
        super.setUp();
        fund(consumer, 1_000e18);
        fundAndStake(provider, 500e18);
        IJobEscrow.JobTerms memory t = terms(100e18, 1e18);
        openAndAccept(t);
        // an ownership transfer in flight, so acceptOwnership has a pending owner to protect
        vm.startPrank(admin);
        sale.transferOwnership(treasury);
        staking.transferOwnership(treasury);
        committee.transferOwnership(treasury);
        vm.stopPrank();
    }

    function _unauthorized(address who) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, who);
    }

    function _add(address target, bytes memory data, bytes memory err, string memory name) internal {
        _calls.push(Call(target, data, err, name));
    }

    function _ownerOnly(address caller) internal {
        bytes memory no = _unauthorized(caller);
        _add(address(sale), abi.encodeCall(ICreditSale.setSpread, (0)), no, "CreditSale.setSpread");
        _add(
            address(staking),
            abi.encodeCall(IProviderStaking.setEscrow, (address(sale))),
            no,
            "ProviderStaking.setEscrow"
        );
        _add(address(committee), abi.encodeCall(IOracleCommittee.addMember, (caller)), no, "OracleCommittee.addMember");
        _add(
            address(committee),
            abi.encodeCall(IOracleCommittee.removeMember, (oracles[0])),
            no,
            "OracleCommittee.removeMember"
        );
        _add(address(committee), abi.encodeCall(IOracleCommittee.setThreshold, (1)), no, "OracleCommittee.setThreshold");
        address[3] memory owned = [address(sale), address(staking), address(committee)];
        for (uint256 i = 0; i < owned.length; ++i) {
            _add(owned[i], abi.encodeCall(Ownable.transferOwnership, (caller)), no, "transferOwnership");
            _add(owned[i], abi.encodeCall(Ownable.renounceOwnership, ()), no, "renounceOwnership");
            _add(owned[i], abi.encodeCall(Ownable2Step.acceptOwnership, ()), no, "acceptOwnership");
        }
    }

    function _minterOnly(address caller) internal {
        bytes memory no = abi.encodeWithSelector(IGPUCredit.NotMinter.selector, caller, address(sale));
        _add(address(gpuc), abi.encodeCall(IGPUCredit.mint, (caller, 1e18)), no, "GPUCredit.mint");
        _add(address(gpuc), abi.encodeCall(IGPUCredit.minterBurn, (consumer, 1e18)), no, "GPUCredit.minterBurn");
    }

    function _escrowOnly(address caller) internal {
        bytes memory no = abi.encodeWithSelector(IProviderStaking.NotEscrow.selector, caller, address(escrow));
        _add(address(staking), abi.encodeCall(IProviderStaking.lock, (provider, 1e18)), no, "ProviderStaking.lock");
        _add(address(staking), abi.encodeCall(IProviderStaking.unlock, (provider, 1e18)), no, "ProviderStaking.unlock");
        _add(
            address(staking),
            abi.encodeCall(IProviderStaking.slash, (provider, 1e18, 1e18)),
            no,
            "ProviderStaking.slash"
        );
    }

    /// @dev keccak of every readable piece of state an admin call could change.
    function _fingerprint() internal view returns (bytes32) {
        IProviderStaking.StakeAccount memory s = staking.stakeOf(provider);
        (uint128 fees, uint128 burns) = escrow.accrued();
        bytes memory a = abi.encode(
            sale.owner(),
            sale.pendingOwner(),
            sale.spreadBps(),
            sale.spreadAccrued(),
            sale.reserveHeld(),
            gpuc.totalSupply(),
            gpuc.balanceOf(consumer),
            gpuc.balanceOf(stranger),
            gpuc.balanceOf(address(staking))
        );
        bytes memory b = abi.encode(
            staking.owner(), staking.pendingOwner(), staking.escrow(), s.free, s.locked, s.unbonding, s.unbondingReadyAt
        );
        bytes memory c = abi.encode(
            committee.owner(),
            committee.pendingOwner(),
            committee.epoch(),
            committee.threshold(),
            committee.memberCount(),
            committee.isMember(oracles[0]),
            committee.isMember(stranger),
            committee.isMember(admin)
        );
        return keccak256(abi.encode(a, b, c, fees, burns, escrow.claimable(stranger)));
    }

    function _sweep(address caller) internal {
        for (uint256 i = 0; i < _calls.length; ++i) {
            Call memory c = _calls[i];
            bytes32 before = _fingerprint();
            vm.prank(caller);
            (bool ok, bytes memory ret) = c.target.call(c.data);
            assertFalse(ok, string.concat(c.name, ": a non-authorised caller succeeded"));
            assertEq(keccak256(ret), keccak256(c.err), string.concat(c.name, ": reverted with another error"));
            assertEq(_fingerprint(), before, string.concat(c.name, ": state changed"));
        }
    }

    function test_StrangerCallingAnyAdminFunctionChangesNothing() public {
        _ownerOnly(stranger);
        _minterOnly(stranger);
        _escrowOnly(stranger);
        // 5 owner-only + 3 x 3 ownership functions + 2 minter-only + 3 escrow-only
        assertEq(_calls.length, 19, "every restricted function is in the sweep");
        _sweep(stranger);
    }

    function test_OwnerCannotActAsEscrowOrMinter() public {
        _minterOnly(admin);
        _escrowOnly(admin);
        _sweep(admin);
    }

    /// @notice The escrow has no owner at all: nothing in it can be reconfigured, and the
    /// functions anyone may call (refund, finalize, slashNonDelivery, payOut, collectFees,
    /// burnAccrued) only pay the parties fixed by the job or the deployment (payOut: see
    /// GriefingAttackTest).
    function test_EscrowHasNoPrivilegedFunctions() public view {
        bytes4[5] memory adminLike = [
            Ownable.owner.selector,
            Ownable.transferOwnership.selector,
            bytes4(keccak256("pause()")),
            bytes4(keccak256("setFee(uint256)")),
            bytes4(keccak256("setCommittee(address)"))
        ];
        for (uint256 i = 0; i < adminLike.length; ++i) {
            (bool ok,) = address(escrow).staticcall(abi.encodePacked(adminLike[i]));
            assertFalse(ok, "the escrow answers an admin-like function");
        }
    }

    /// @notice Positive control: the same calls by the right account do work, so the sweep's
    /// reverts come from access control and not from bad arguments.
    function test_TheRightCallerSucceeds() public {
        vm.startPrank(admin);
        sale.setSpread(0);
        committee.setThreshold(1);
        committee.addMember(stranger);
        committee.removeMember(stranger);
        vm.stopPrank();
        vm.prank(address(escrow));
        staking.unlock(provider, 1e18);
        vm.prank(address(sale));
        gpuc.mint(stranger, 1e18);
        vm.prank(treasury);
        sale.acceptOwnership();
        assertEq(sale.owner(), treasury, "the pending owner accepted");
    }
}
