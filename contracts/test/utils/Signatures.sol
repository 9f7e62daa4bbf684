// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {Vm} from "./Vm.sol";

/// @notice Committee signature helpers shared by invariant handlers, attack tests and the
/// EIP-712 vector test: sign with vm.sign, order signers, and build the malformed variants
/// (high s, v in {0, 1}, duplicates, wrong order) the committee must reject.
library Signatures {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @dev secp256k1 group order; OpenZeppelin's ECDSA rejects s > N / 2.
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// @notice 65-byte (r, s, v) signature of `digest`, as the committee expects it.
    function sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @notice Sort `keys` by their address, ascending (insertion sort: the sets are tiny).
    function sortByAddress(uint256[] memory keys) internal pure returns (uint256[] memory) {
        for (uint256 i = 1; i < keys.length; ++i) {
            uint256 k = keys[i];
            address a = vm.addr(k);
            uint256 j = i;
            while (j > 0 && vm.addr(keys[j - 1]) > a) {
                keys[j] = keys[j - 1];
                --j;
            }
            keys[j] = k;
        }
        return keys;
    }

    /// @notice Signatures of `keys` over `digest`, concatenated in the order given.
    function signAll(uint256[] memory keys, bytes32 digest) internal pure returns (bytes memory out) {
        for (uint256 i = 0; i < keys.length; ++i) {
            out = bytes.concat(out, sign(keys[i], digest));
        }
    }

    /// @notice Signatures of `keys` over `digest`, in ascending signer order (what is valid).
    function signSorted(uint256[] memory keys, bytes32 digest) internal pure returns (bytes memory) {
        return signAll(sortByAddress(copy(keys)), digest);
    }

    /// @notice The other valid-looking encoding of the same signature: s' = N - s, v flipped.
    /// ecrecover still returns the signer; OpenZeppelin's ECDSA must refuse it.
    function highS(bytes memory sig65) internal pure returns (bytes memory) {
        (bytes32 r, bytes32 s, uint8 v) = split(sig65);
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    /// @notice The same signature with v written as 0/1 (what some libraries emit).
    function rawV(bytes memory sig65) internal pure returns (bytes memory) {
        (bytes32 r, bytes32 s, uint8 v) = split(sig65);
        return abi.encodePacked(r, s, v - 27);
    }

    /// @notice Replace the `index`-th 65-byte signature of `sigs` with `replacement`.
    function replaceAt(bytes memory sigs, uint256 index, bytes memory replacement)
        internal
        pure
        returns (bytes memory out)
    {
        out = bytes.concat(sigs);
        for (uint256 i = 0; i < 65; ++i) {
            out[index * 65 + i] = replacement[i];
        }
    }

    /// @notice The `index`-th 65-byte signature of `sigs`.
    function sigAt(bytes memory sigs, uint256 index) internal pure returns (bytes memory out) {
        out = new bytes(65);
        for (uint256 i = 0; i < 65; ++i) {
            out[i] = sigs[index * 65 + i];
        }
    }

    /// @notice The 65-byte signatures of `sigs` in reverse order.
    function reversed(bytes memory sigs) internal pure returns (bytes memory out) {
        uint256 n = sigs.length / 65;
        for (uint256 i = n; i > 0; --i) {
            out = bytes.concat(out, sigAt(sigs, i - 1));
        }
    }

    function split(bytes memory sig65) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        require(sig65.length == 65, "Signatures: not 65 bytes");
        assembly ("memory-safe") {
            r := mload(add(sig65, 0x20))
            s := mload(add(sig65, 0x40))
            v := byte(0, mload(add(sig65, 0x60)))
        }
    }

    /// @notice What the raw ecrecover precompile returns for a 65-byte signature (no s or v
    /// checks): used to predict which address a replayed signature is attributed to.
    function rawRecover(bytes32 digest, bytes memory sig65) internal pure returns (address) {
        (bytes32 r, bytes32 s, uint8 v) = split(sig65);
        return ecrecover(digest, v, r, s);
    }

    /// @notice The EIP-712 digest of `structHash` under a domain of our own choosing, for
    /// replay tests (another chain or another verifying contract).
    function digestFor(uint256 chainId, address verifyingContract, bytes32 structHash) internal pure returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("GPUC JobEscrow"),
                keccak256("1"),
                chainId,
                verifyingContract
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    /// @notice The ERC-2612 permit digest a wallet signs for `token`, at `owner`'s current nonce.
    function permitDigest(IERC20Permit token, address owner, address spender, uint256 value, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"),
                owner,
                spender,
                value,
                token.nonces(owner),
                deadline
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
    }

    function copy(uint256[] memory a) internal pure returns (uint256[] memory b) {
        b = new uint256[](a.length);
        for (uint256 i = 0; i < a.length; ++i) {
            b[i] = a[i];
        }
    }
}
