// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Vm} from "../../utils/Vm.sol";

/// @notice What every invariant handler shares: the cheatcode handle, `bound`, named actors
/// with private keys, and the check that a call succeeded exactly when the model said it would.
abstract contract HandlerBase {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice How often each action ran and succeeded (read by tests to prove coverage).
    mapping(bytes32 action => uint256) public callCount;
    mapping(bytes32 action => uint256) public successCount;

    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1;
        if (size == 0) return x;
        return min + (x % size);
    }

    /// @dev A short bytes32 name ("accept") as a string without its zero padding.
    function _name(bytes32 action) internal pure returns (string memory) {
        uint256 len = 0;
        while (len < 32 && action[len] != 0) ++len;
        bytes memory out = new bytes(len);
        for (uint256 i = 0; i < len; ++i) {
            out[i] = action[i];
        }
        return string(out);
    }

    function _actor(string memory name) internal returns (address account, uint256 key) {
        key = uint256(keccak256(bytes(name)));
        account = vm.addr(key);
        vm.label(account, name);
    }

    /// @dev The model decided whether the call must succeed; a mismatch is a bug in the
    /// contract (or the model) and fails the campaign with the call and its revert data.
    function _expect(bytes32 action, bool ok, bool expectOk, bytes memory ret) internal {
        ++callCount[action];
        if (ok) ++successCount[action];
        if (ok == expectOk) return;
        string memory name = _name(action);
        if (expectOk) {
            vm.assertTrue(false, string.concat(name, ": the model expected success; reverted with ", vm.toString(ret)));
        } else {
            vm.assertTrue(false, string.concat(name, ": the model expected a revert; the call succeeded"));
        }
    }
}
