// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IGPUCredit} from "./interfaces/IGPUCredit.sol";

/// @title GPUC credit
/// @notice ERC-20 + ERC-2612. The minter (the credit sale) is fixed at construction.
contract GPUCredit is ERC20Permit, IGPUCredit {
    /// @inheritdoc IGPUCredit
    address public immutable minter;

    constructor(address minter_) ERC20("GPU Credit", "GPUC") ERC20Permit("GPU Credit") {
        minter = minter_;
    }

    modifier onlyMinter() {
        if (msg.sender != minter) revert NotMinter(msg.sender, minter);
        _;
    }

    /// @inheritdoc IGPUCredit
    function mint(address to, uint256 amount) external onlyMinter {
        _mint(to, amount);
    }

    /// @inheritdoc IGPUCredit
    function minterBurn(address from, uint256 amount) external onlyMinter {
        _burn(from, amount);
    }

    /// @inheritdoc IGPUCredit
    function burn(uint256 amount) external {
        _burn(msg.sender, amount);
    }

    /// @dev Both ERC20Permit and IERC20Permit declare nonces.
    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }
}
