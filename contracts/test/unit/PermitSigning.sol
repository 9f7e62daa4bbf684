// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {Test} from "../utils/Test.sol";

/// @notice Builds and signs ERC-2612 permits the way a wallet does (EIP-712 over the token's domain).
abstract contract PermitSigning is Test {
    bytes32 internal constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");

    struct SignedPermit {
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    function permitDigest(
        IERC20Permit token,
        address owner,
        address spender,
        uint256 value,
        uint256 nonce,
        uint256 deadline
    ) internal view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }

    /// @dev A permit by the holder of `key` for `spender`, at the owner's current nonce.
    function signPermit(IERC20Permit token, uint256 key, address spender, uint256 value, uint256 deadline)
        internal
        view
        returns (SignedPermit memory p)
    {
        address owner = vm.addr(key);
        bytes32 digest = permitDigest(token, owner, spender, value, token.nonces(owner), deadline);
        p.deadline = deadline;
        (p.v, p.r, p.s) = vm.sign(key, digest);
    }
}
