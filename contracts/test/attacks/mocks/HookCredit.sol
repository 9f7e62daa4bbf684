// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IGPUCredit} from "../../../src/interfaces/IGPUCredit.sol";

interface ITokenHook {
    function onTokenTransfer(address from, address to, uint256 amount) external;
}

/// @notice An ERC-777-like token: every transfer calls `onTokenTransfer` on a sender or
/// recipient that opted in, giving it control in the middle of the caller's function. Used as
/// an ERC-20 reserve and as the credit of a separately deployed escrow and staking, to prove
/// the protocol holds even if its token hands control to users. Anyone may mint (tests only).
contract HookCredit is ERC20Permit, IGPUCredit {
    mapping(address account => bool) public hooked;

    constructor() ERC20("Hook Credit", "HOOK") ERC20Permit("Hook Credit") {}

    function setHooked(bool on) external {
        hooked[msg.sender] = on;
    }

    function minter() external view returns (address) {
        return address(this);
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function minterBurn(address from, uint256 amount) external {
        _burn(from, amount);
    }

    function burn(uint256 amount) external {
        _burn(msg.sender, amount);
    }

    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && hooked[from]) ITokenHook(from).onTokenTransfer(from, to, value);
        if (to != address(0) && hooked[to]) ITokenHook(to).onTokenTransfer(from, to, value);
    }
}
