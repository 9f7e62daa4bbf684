// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "./Vm.sol";

/// @notice Assertions that compare in the EVM and call the cheatcode only to fail (with its
/// message and values). A passing vm.assert* is a call frame of its own; invariant campaigns
/// assert thousands of times per run, so the passing path must cost no more than a comparison.
library Assert {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function isTrue(bool c, string memory err) internal pure {
        if (!c) vm.assertTrue(c, err);
    }

    function isFalse(bool c, string memory err) internal pure {
        if (c) vm.assertFalse(c, err);
    }

    function eq(uint256 a, uint256 b, string memory err) internal pure {
        if (a != b) vm.assertEq(a, b, err);
    }

    function eq(address a, address b, string memory err) internal pure {
        if (a != b) vm.assertEq(a, b, err);
    }

    function eq(bytes32 a, bytes32 b, string memory err) internal pure {
        if (a != b) vm.assertEq(a, b, err);
    }

    function eq(bool a, bool b, string memory err) internal pure {
        if (a != b) vm.assertEq(a, b, err);
    }

    function eq(bytes memory a, bytes memory b, string memory err) internal pure {
        if (keccak256(a) != keccak256(b)) vm.assertEq(a, b, err);
    }

    function ge(uint256 a, uint256 b, string memory err) internal pure {
        if (a < b) vm.assertGe(a, b, err);
    }

    function gt(uint256 a, uint256 b, string memory err) internal pure {
        if (a <= b) vm.assertGt(a, b, err);
    }

    function le(uint256 a, uint256 b, string memory err) internal pure {
        if (a > b) vm.assertLe(a, b, err);
    }

    function lt(uint256 a, uint256 b, string memory err) internal pure {
        if (a >= b) vm.assertLt(a, b, err);
    }
}
