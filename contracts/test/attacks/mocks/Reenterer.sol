// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice An attacker contract: it acts through `exec`, and whenever it is paid (ETH or a
/// hooked token transfer) it tries the calls it was armed with -- re-entering the contract
/// that is paying it -- and records how each attempt ended instead of bubbling it up.
contract Reenterer {
    struct Attempt {
        address target;
        uint256 value;
        bytes data;
    }

    struct Outcome {
        bool ok;
        bytes ret;
    }

    Attempt[] internal _armed;
    Outcome[] internal _outcomes;
    bool internal _inCallback;
    uint256 public callbacks;

    /// @notice Try `target.call{value}(data)` the next time this contract is paid.
    function arm(address target, uint256 value, bytes calldata data) external {
        _armed.push(Attempt(target, value, data));
    }

    function exec(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    function outcomeCount() external view returns (uint256) {
        return _outcomes.length;
    }

    function outcome(uint256 i) external view returns (bool ok, bytes memory ret) {
        return (_outcomes[i].ok, _outcomes[i].ret);
    }

    receive() external payable {
        _reenter();
    }

    /// @notice The hook HookCredit calls on opted-in senders and recipients.
    function onTokenTransfer(address, address, uint256) external {
        _reenter();
    }

    function _reenter() internal {
        ++callbacks;
        if (_inCallback || _armed.length == 0) return;
        _inCallback = true;
        for (uint256 i = 0; i < _armed.length; ++i) {
            Attempt memory a = _armed[i];
            (bool ok, bytes memory ret) = a.target.call{value: a.value}(a.data);
            _outcomes.push(Outcome(ok, ret));
        }
        delete _armed;
        _inCallback = false;
    }
}
