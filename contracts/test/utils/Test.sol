// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Assert} from "./Assert.sol";
import {Vm} from "./Vm.sol";

/// @notice The small part of forge-std these tests need: the cheatcode handle, assertions that
/// revert with a message, `bound`, and the target lists forge's invariant runner reads.
abstract contract Test {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    // forge reads these to decide what the invariant fuzzer calls
    address[] private _targetContracts;
    address[] private _targetSenders;
    address[] private _excludeContracts;

    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    FuzzSelector[] private _targetSelectors;

    function targetContracts() public view returns (address[] memory) {
        return _targetContracts;
    }

    function targetSenders() public view returns (address[] memory) {
        return _targetSenders;
    }

    function excludeContracts() public view returns (address[] memory) {
        return _excludeContracts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetSelectors;
    }

    function targetContract(address target) internal {
        _targetContracts.push(target);
    }

    function targetSender(address sender) internal {
        _targetSenders.push(sender);
    }

    function excludeContract(address target) internal {
        _excludeContracts.push(target);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetSelectors.push(selector);
    }

    // ---------------------------------------------------------------- helpers

    function makeAddr(string memory name) internal returns (address account) {
        account = vm.addr(uint256(keccak256(bytes(name))));
        vm.label(account, name);
    }

    function makeKey(string memory name) internal returns (address account, uint256 key) {
        key = uint256(keccak256(bytes(name)));
        account = vm.addr(key);
        vm.label(account, name);
    }

    /// @dev Map any x into [min, max] without rejecting inputs (keeps fuzz runs productive).
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1;
        if (size == 0) return x; // full range
        return min + (x % size);
    }

    // ---------------------------------------------------------------- assertions

    function assertTrue(bool c, string memory err) internal pure {
        Assert.isTrue(c, err);
    }

    function assertFalse(bool c, string memory err) internal pure {
        Assert.isFalse(c, err);
    }

    function assertEq(uint256 a, uint256 b, string memory err) internal pure {
        Assert.eq(a, b, err);
    }

    function assertEq(address a, address b, string memory err) internal pure {
        Assert.eq(a, b, err);
    }

    function assertEq(bytes32 a, bytes32 b, string memory err) internal pure {
        Assert.eq(a, b, err);
    }

    function assertEq(bool a, bool b, string memory err) internal pure {
        Assert.eq(a, b, err);
    }

    function assertGe(uint256 a, uint256 b, string memory err) internal pure {
        Assert.ge(a, b, err);
    }

    function assertGt(uint256 a, uint256 b, string memory err) internal pure {
        Assert.gt(a, b, err);
    }

    function assertLe(uint256 a, uint256 b, string memory err) internal pure {
        Assert.le(a, b, err);
    }

    function assertLt(uint256 a, uint256 b, string memory err) internal pure {
        Assert.lt(a, b, err);
    }
}
