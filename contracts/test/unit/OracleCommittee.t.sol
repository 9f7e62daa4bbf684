// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Fixture} from "../utils/Fixture.sol";
import {OracleCommittee} from "../../src/OracleCommittee.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";

/// @notice The fixture's committee: oracles 0..2, threshold 2, epoch 4 after deployment
/// (three additions and one threshold change, each bumping the epoch).
contract OracleCommitteeTest is Fixture {
    uint256 internal constant SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint64 internal constant DEPLOY_EPOCH = 4;
    bytes32 internal constant DIGEST = keccak256("a verdict digest");

    uint256 internal strangerKey;

    function setUp() public override {
        super.setUp();
        strangerKey = uint256(keccak256("stranger"));
    }

    function members() internal view returns (address[] memory m) {
        m = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            m[i] = oracles[i];
        }
    }

    function idx(uint256 a, uint256 b) internal pure returns (uint256[] memory out) {
        out = new uint256[](2);
        out[0] = a;
        out[1] = b;
    }

    function all3() internal pure returns (uint256[] memory out) {
        out = new uint256[](3);
        out[0] = 0;
        out[1] = 1;
        out[2] = 2;
    }

    /// @dev Signatures of two keys concatenated in ascending (or, if `descending`, reversed) signer order.
    function pairSigs(uint256 keyA, uint256 keyB, bool descending)
        internal
        pure
        returns (bytes memory out, address low, address high)
    {
        (low, high) = (vm.addr(keyA), vm.addr(keyB));
        if (high < low) {
            (low, high) = (high, low);
            (keyA, keyB) = (keyB, keyA);
        }
        out = descending
            ? bytes.concat(sig(keyB, DIGEST), sig(keyA, DIGEST))
            : bytes.concat(sig(keyA, DIGEST), sig(keyB, DIGEST));
    }

    /// @dev The same signature with s flipped to n - s and v to the other parity: valid for plain
    /// ecrecover, rejected by OpenZeppelin's ECDSA (high s).
    function malleate(bytes memory sig65) internal pure returns (bytes memory) {
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(sig65, 32))
            s := mload(add(sig65, 64))
            v := byte(0, mload(add(sig65, 96)))
        }
        return abi.encodePacked(r, bytes32(SECP256K1_N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    // ---------------------------------------------------------------- deployment

    function test_Deploy_State() public view {
        assertEq(committee.epoch(), DEPLOY_EPOCH, "epoch");
        assertEq(committee.threshold(), 2, "threshold");
        assertEq(committee.memberCount(), 3, "members");
        for (uint256 i = 0; i < 3; ++i) {
            assertTrue(committee.isMember(oracles[i]), "member");
        }
        assertFalse(committee.isMember(stranger), "stranger");
        assertEq(committee.owner(), admin, "owner");
    }

    function test_Emits_MemberAddedAndThresholdChanged_OnDeploy() public {
        address[] memory m = members();
        for (uint256 i = 0; i < 3; ++i) {
            vm.expectEmit(true, true, true, true);
            emit IOracleCommittee.MemberAdded(m[i], uint64(i + 1));
        }
        vm.expectEmit(true, true, true, true);
        emit IOracleCommittee.ThresholdChanged(0, 2, 4);
        new OracleCommittee(admin, m, 2);
    }

    function test_RevertWhen_DeployWithZeroMember() public {
        address[] memory m = members();
        m[1] = address(0);
        vm.expectRevert(IOracleCommittee.ZeroAddressMember.selector);
        new OracleCommittee(admin, m, 2);
    }

    function test_RevertWhen_DeployWithDuplicateMember() public {
        address[] memory m = members();
        m[2] = m[0];
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.AlreadyMember.selector, m[0]));
        new OracleCommittee(admin, m, 2);
    }

    function test_RevertWhen_DeployWithThresholdOutOfRange() public {
        address[] memory m = members();
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidThreshold.selector, 0, 3));
        new OracleCommittee(admin, m, 0);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidThreshold.selector, 4, 3));
        new OracleCommittee(admin, m, 4);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidThreshold.selector, 1, 0));
        new OracleCommittee(admin, new address[](0), 1);
    }

    // ---------------------------------------------------------------- membership

    function test_Emits_MemberAdded() public {
        vm.expectEmit(true, true, true, true, address(committee));
        emit IOracleCommittee.MemberAdded(stranger, DEPLOY_EPOCH + 1);
        vm.prank(admin);
        committee.addMember(stranger);
        assertTrue(committee.isMember(stranger), "added");
        assertEq(committee.memberCount(), 4, "count");
        assertEq(committee.epoch(), DEPLOY_EPOCH + 1, "epoch bumped");
    }

    function test_RevertWhen_AddExistingMember() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.AlreadyMember.selector, oracles[1]));
        vm.prank(admin);
        committee.addMember(oracles[1]);
        assertEq(committee.epoch(), DEPLOY_EPOCH, "epoch unchanged");
    }

    function test_RevertWhen_AddZeroMember() public {
        vm.expectRevert(IOracleCommittee.ZeroAddressMember.selector);
        vm.prank(admin);
        committee.addMember(address(0));
        assertEq(committee.memberCount(), 3, "count unchanged");
    }

    function test_RevertWhen_StrangerAddsMember() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        committee.addMember(stranger);
        assertFalse(committee.isMember(stranger), "not added");
        assertEq(committee.memberCount(), 3, "count unchanged");
        assertEq(committee.epoch(), DEPLOY_EPOCH, "epoch unchanged");
    }

    function test_Emits_MemberRemoved() public {
        vm.expectEmit(true, true, true, true, address(committee));
        emit IOracleCommittee.MemberRemoved(oracles[2], DEPLOY_EPOCH + 1);
        vm.prank(admin);
        committee.removeMember(oracles[2]);
        assertFalse(committee.isMember(oracles[2]), "removed");
        assertEq(committee.memberCount(), 2, "count");
        assertEq(committee.epoch(), DEPLOY_EPOCH + 1, "epoch bumped");
    }

    function test_RevertWhen_RemoveNonMember() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.NotMember.selector, stranger));
        vm.prank(admin);
        committee.removeMember(stranger);
    }

    function test_RevertWhen_RemoveMakesThresholdUnreachable() public {
        vm.prank(admin);
        committee.removeMember(oracles[2]);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidThreshold.selector, 2, 1));
        vm.prank(admin);
        committee.removeMember(oracles[1]);
        assertTrue(committee.isMember(oracles[1]), "still a member");
        assertEq(committee.memberCount(), 2, "count unchanged");
    }

    function test_RevertWhen_StrangerRemovesMember() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        committee.removeMember(oracles[0]);
        assertTrue(committee.isMember(oracles[0]), "still a member");
        assertEq(committee.epoch(), DEPLOY_EPOCH, "epoch unchanged");
    }

    // ---------------------------------------------------------------- threshold

    function test_Emits_ThresholdChanged() public {
        vm.expectEmit(true, true, true, true, address(committee));
        emit IOracleCommittee.ThresholdChanged(2, 3, DEPLOY_EPOCH + 1);
        vm.prank(admin);
        committee.setThreshold(3);
        assertEq(committee.threshold(), 3, "threshold");
        assertEq(committee.epoch(), DEPLOY_EPOCH + 1, "epoch bumped");
    }

    function test_RevertWhen_ThresholdZero() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidThreshold.selector, 0, 3));
        vm.prank(admin);
        committee.setThreshold(0);
        assertEq(committee.threshold(), 2, "unchanged");
    }

    function test_RevertWhen_ThresholdAboveMembers() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidThreshold.selector, 4, 3));
        vm.prank(admin);
        committee.setThreshold(4);
        assertEq(committee.threshold(), 2, "unchanged");
    }

    function test_RevertWhen_StrangerSetsThreshold() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        committee.setThreshold(1);
        assertEq(committee.threshold(), 2, "unchanged");
        assertEq(committee.epoch(), DEPLOY_EPOCH, "epoch unchanged");
    }

    function test_RevertWhen_StrangerTransfersOwnership() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        committee.transferOwnership(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        committee.renounceOwnership();
        assertEq(committee.owner(), admin, "owner unchanged");
    }

    // ---------------------------------------------------------------- verifySignatures

    function test_Verify_KOfNAscending() public view {
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, signSorted(DIGEST, idx(0, 2)));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, signSorted(DIGEST, idx(1, 2)));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, signSorted(DIGEST, all3()));
    }

    function test_RevertWhen_EpochInFuture() public {
        bytes memory sigs = signSorted(DIGEST, idx(0, 1));
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.FutureEpoch.selector, DEPLOY_EPOCH + 1, DEPLOY_EPOCH));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH + 1, sigs);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.FutureEpoch.selector, type(uint64).max, DEPLOY_EPOCH));
        committee.verifySignatures(DIGEST, type(uint64).max, sigs);
        // An earlier epoch is fine while its signers are members and meet today's threshold.
        committee.verifySignatures(DIGEST, 3, sigs);
    }

    function test_Verify_SignedBeforeCommitteeChanges_WhileSignersRemain() public {
        // Issue 14 (3): a change no longer voids the verdicts being collected.
        bytes memory sigs = signSorted(DIGEST, idx(0, 1));
        vm.prank(admin);
        committee.addMember(stranger);
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, sigs);
        vm.prank(admin);
        committee.removeMember(oracles[2]);
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, sigs);
        assertEq(committee.epoch(), DEPLOY_EPOCH + 2, "two real changes, two epochs");
    }

    function test_RevertWhen_SignerRemovedAfterSigning() public {
        bytes memory sigs = signSorted(DIGEST, idx(0, 1));
        vm.prank(admin);
        committee.removeMember(oracles[1]);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.UnknownSigner.selector, oracles[1]));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, sigs);
    }

    function test_RevertWhen_ThresholdRaisedAfterSigning() public {
        bytes memory sigs = signSorted(DIGEST, idx(0, 1));
        vm.prank(admin);
        committee.setThreshold(3);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InsufficientSignatures.selector, 2, 3));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, sigs);
    }

    function test_SetThreshold_SameValueIsANoOp() public {
        vm.recordLogs();
        vm.prank(admin);
        committee.setThreshold(2);
        assertEq(vm.getRecordedLogs().length, 0, "no event");
        assertEq(committee.epoch(), DEPLOY_EPOCH, "no new epoch");
        assertEq(committee.threshold(), 2, "threshold kept");
    }

    function test_RevertWhen_SignatureLengthNotMultipleOf65() public {
        bytes memory sigs = signSorted(DIGEST, idx(0, 1));
        bytes memory longer = bytes.concat(sigs, hex"00");
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidSignatureLength.selector, 131));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, longer);
        bytes memory short64 = new bytes(64);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidSignatureLength.selector, 64));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, short64);
    }

    function test_RevertWhen_FewerSignaturesThanThreshold() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InsufficientSignatures.selector, 1, 2));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, sig(oracleKeys[0], DIGEST));
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InsufficientSignatures.selector, 0, 2));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, "");
    }

    function test_RevertWhen_SignatureVOutOfRange() public {
        bytes memory sigs = signSorted(DIGEST, idx(0, 1));
        sigs[64] = bytes1(uint8(sigs[64]) + 2); // v 27/28 -> 29/30
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidSignature.selector, 0));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, sigs);
    }

    function test_RevertWhen_SignatureMalleated() public {
        bytes memory sigs = signSorted(DIGEST, idx(0, 1));
        bytes memory first = new bytes(65);
        bytes memory second = new bytes(65);
        for (uint256 i = 0; i < 65; ++i) {
            first[i] = sigs[i];
            second[i] = sigs[65 + i];
        }
        bytes memory twisted = malleate(second);
        // The high-s twin still recovers the same signer with plain ecrecover ...
        bytes32 r;
        bytes32 s;
        assembly {
            r := mload(add(twisted, 32))
            s := mload(add(twisted, 64))
        }
        address twinSigner = ecrecover(DIGEST, uint8(twisted[64]), r, s);
        address ascendingSecond = oracles[0] < oracles[1] ? oracles[1] : oracles[0];
        assertEq(twinSigner, ascendingSecond, "same signer via ecrecover");
        // ... and the committee refuses it.
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidSignature.selector, 1));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, bytes.concat(first, twisted));
    }

    function test_RevertWhen_SignatureIsGarbage() public {
        // r = 0 is not a curve point: ecrecover yields address(0).
        bytes memory bad = abi.encodePacked(bytes32(0), bytes32(uint256(1)), uint8(27));
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InvalidSignature.selector, 0));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, bytes.concat(bad, bad));
    }

    function test_RevertWhen_SignerUnknown() public {
        (bytes memory sigs, address low, address high) = pairSigs(oracleKeys[0], strangerKey, false);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.UnknownSigner.selector, stranger));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, sigs);
        assertTrue(low == stranger || high == stranger, "stranger signed");
    }

    function test_RevertWhen_SignerRemoved() public {
        bytes memory sigs = signSorted(DIGEST, idx(0, 2));
        vm.prank(admin);
        committee.removeMember(oracles[2]);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.UnknownSigner.selector, oracles[2]));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH + 1, sigs);
    }

    function test_RevertWhen_SignersDescending() public {
        (bytes memory sigs, address low, address high) = pairSigs(oracleKeys[0], oracleKeys[1], true);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.SignersNotAscending.selector, high, low));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, sigs);
    }

    function test_RevertWhen_SignerDuplicated() public {
        bytes memory one = sig(oracleKeys[0], DIGEST);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.SignersNotAscending.selector, oracles[0], oracles[0]));
        committee.verifySignatures(DIGEST, DEPLOY_EPOCH, bytes.concat(one, one));
    }

    function testFuzz_Verify_AnyTwoOfThreeForAnyDigest(bytes32 digest, uint256 a, uint256 b) public view {
        a = bound(a, 0, 2);
        b = (a + bound(b, 1, 2)) % 3; // any other member
        committee.verifySignatures(digest, DEPLOY_EPOCH, signSorted(digest, idx(a, b)));
    }
}
