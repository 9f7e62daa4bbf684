// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A 6-decimal reserve that burns `feeBps` of every transfer between two accounts, so
/// the recipient gets less than the amount named (USDT-style fee switch, turned on).
contract MockFeeOnTransferToken is ERC20 {
    uint256 public immutable feeBps;

    constructor(uint256 feeBps_) ERC20("Fee USD", "fUSD") {
        feeBps = feeBps_;
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev The fee is taken out of the amount moved (rounded up), never on mint or burn.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0) || feeBps == 0) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * feeBps + 9_999) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
