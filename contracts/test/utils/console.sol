// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice Foundry's console.log (the address forge listens on), only the forms used here:
/// tests print measured figures with it (`forge test -vv` shows them).
library console {
    address private constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    function log(string memory label, uint256 value) internal view {
        _send(abi.encodeWithSignature("log(string,uint256)", label, value));
    }

    function log(string memory message) internal view {
        _send(abi.encodeWithSignature("log(string)", message));
    }

    function _send(bytes memory payload) private view {
        (bool ok,) = CONSOLE.staticcall(payload);
        ok; // the console has no code; forge answers the call, nothing to check
    }
}
