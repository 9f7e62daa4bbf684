// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AttackBase} from "./AttackBase.sol";
import {Signatures} from "../utils/Signatures.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";

/// @notice design.md §3 attack: signature malleability. For every valid signature there is a
/// second (r, N - s, v ^ 1) that the raw ecrecover precompile attributes to the same signer,
/// and some libraries write v as 0/1. The committee takes exactly one encoding: low s and v in
/// {27, 28} -- the same rule the Python SDK applies (protocol/typed_data.recover_signer).
contract MalleabilityAttackTest is AttackBase {
    IJobEscrow.JobTerms internal t;
    IJobEscrow.Verdict internal v;
    bytes32 internal digest;
    bytes internal sigs;

    function setUp() public override {
        super.setUp();
        bytes32 jobId;
        (t, jobId) = acceptedJob();
        v = releaseVerdict(jobId, 60);
        digest = escrow.verdictDigest(v);
        sigs = twoSigs(digest);
    }

    function _invalidAt(uint256 i) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IOracleCommittee.InvalidSignature.selector, i);
    }

    function test_RevertWhen_SignatureHasHighS() public {
        for (uint256 i = 0; i < 2; ++i) {
            bytes memory original = Signatures.sigAt(sigs, i);
            bytes memory twin = Signatures.highS(original);
            // the precompile alone would accept the twin as the same signer...
            assertEq(
                Signatures.rawRecover(digest, twin), Signatures.rawRecover(digest, original), "ecrecover: same signer"
            );
            // ...the committee refuses it
            vm.expectRevert(_invalidAt(i));
            escrow.settle(t, v, Signatures.replaceAt(sigs, i, twin));
        }
        escrow.settle(t, v, sigs);
    }

    function test_RevertWhen_VIsZeroOrOne() public {
        for (uint256 i = 0; i < 2; ++i) {
            vm.expectRevert(_invalidAt(i));
            escrow.settle(t, v, Signatures.replaceAt(sigs, i, Signatures.rawV(Signatures.sigAt(sigs, i))));
        }
    }

    function test_RevertWhen_VIsOutOfRange() public {
        uint8[4] memory bad = [uint8(26), 29, 35, 255];
        for (uint256 k = 0; k < bad.length; ++k) {
            (bytes32 r, bytes32 s,) = Signatures.split(Signatures.sigAt(sigs, 0));
            vm.expectRevert(_invalidAt(0));
            escrow.settle(t, v, Signatures.replaceAt(sigs, 0, abi.encodePacked(r, s, bad[k])));
        }
    }

    function test_RevertWhen_SignatureIsZeroOrNotOnTheCurve() public {
        vm.expectRevert(_invalidAt(0));
        escrow.settle(t, v, Signatures.replaceAt(sigs, 0, abi.encodePacked(bytes32(0), bytes32(0), uint8(27))));
        (, bytes32 s, uint8 vv) = Signatures.split(Signatures.sigAt(sigs, 1));
        // r = N is not a valid x coordinate below the group order
        vm.expectRevert(_invalidAt(1));
        escrow.settle(t, v, Signatures.replaceAt(sigs, 1, abi.encodePacked(bytes32(Signatures.SECP256K1_N), s, vv)));
    }

    /// @notice EIP-2098 compact (64-byte) signatures are another encoding of the same
    /// signature; the committee only takes 65-byte ones.
    function test_RevertWhen_SignaturesAreCompactOrTruncated() public {
        (bytes32 r0, bytes32 s0, uint8 v0) = Signatures.split(Signatures.sigAt(sigs, 0));
        (bytes32 r1, bytes32 s1, uint8 v1) = Signatures.split(Signatures.sigAt(sigs, 1));
        bytes memory compact = abi.encodePacked(
            r0, bytes32(uint256(s0) | (uint256(v0 - 27) << 255)), r1, bytes32(uint256(s1) | (uint256(v1 - 27) << 255))
        );
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidSignatureLength.selector, 128));
        escrow.settle(t, v, compact);
        bytes memory truncated = bytes.concat(sigs);
        assembly ("memory-safe") {
            mstore(truncated, 129)
        }
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidSignatureLength.selector, 129));
        escrow.settle(t, v, truncated);
    }
}
