// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title GPUC credit token
/// @notice ERC-20 with ERC-2612 permit. Only the credit sale mints (against its reserve) and
/// burns on redemption; any holder may burn its own credits (the escrow burns protocol burns).
interface IGPUCredit is IERC20, IERC20Permit {
    /// @notice A mint or minter-burn came from someone other than the credit sale.
    /// @param caller who called
    /// @param minter the credit sale
    error NotMinter(address caller, address minter);

    /// @notice The credit sale that may mint and burn on redemption.
    function minter() external view returns (address);

    /// @notice Mint `amount` credits to `to`. Only the minter.
    /// @param to who receives the credits
    /// @param amount credit wei minted
    function mint(address to, uint256 amount) external;

    /// @notice Burn `amount` of `from`'s credits on redemption. Only the minter, which
    /// calls it for the redeeming account itself.
    /// @param from the redeeming account
    /// @param amount credit wei burnt
    function minterBurn(address from, uint256 amount) external;

    /// @notice Burn `amount` of the caller's own credits.
    /// @param amount credit wei burnt
    function burn(uint256 amount) external;
}
