// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AttackBase} from "./AttackBase.sol";
import {Signatures} from "../utils/Signatures.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";

/// @notice design.md §3 attack: duplicate or unknown oracle signers. k signatures must come
/// from k distinct current members, in ascending address order (which is how duplicates are
/// caught in O(1) per signature).
contract SignerSetAttackTest is AttackBase {
    IJobEscrow.JobTerms internal t;
    bytes32 internal jobId;
    IJobEscrow.Verdict internal v;
    bytes32 internal digest;

    function setUp() public override {
        super.setUp();
        (t, jobId) = acceptedJob();
        v = releaseVerdict(jobId, 60);
        digest = escrow.verdictDigest(v);
    }

    function _assertUnsettled() internal view {
        (IJobEscrow.Status st,,,) = escrow.jobs(jobId);
        assertEq(uint256(st), uint256(IJobEscrow.Status.Accepted), "the job was not settled");
    }

    function test_RevertWhen_OneMemberSignsTwice() public {
        bytes memory one = Signatures.sign(oracleKeys[0], digest);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.SignersNotAscending.selector, oracles[0], oracles[0]));
        escrow.settle(t, v, bytes.concat(one, one));
        // also with a valid pair plus a repeat of the higher one
        bytes memory pair = twoSigs(digest);
        bytes memory last = Signatures.sigAt(pair, 1);
        address high = Signatures.rawRecover(digest, last);
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.SignersNotAscending.selector, high, high));
        escrow.settle(t, v, bytes.concat(pair, last));
        _assertUnsettled();
    }

    function test_RevertWhen_ASignerIsNotAMember() public {
        uint256[] memory keys = new uint256[](2);
        keys[0] = oracleKeys[0];
        keys[1] = consumerKey; // anyone's key, here the consumer's own
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.UnknownSigner.selector, consumer));
        escrow.settle(t, v, Signatures.signSorted(keys, digest));
        _assertUnsettled();
    }

    function test_RevertWhen_ARemovedMemberSigns() public {
        vm.prank(admin);
        committee.removeMember(oracles[2]);
        v.epoch = committee.epoch();
        digest = escrow.verdictDigest(v);
        uint256[] memory keys = new uint256[](2);
        keys[0] = oracleKeys[0];
        keys[1] = oracleKeys[2];
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.UnknownSigner.selector, oracles[2]));
        escrow.settle(t, v, Signatures.signSorted(keys, digest));
        _assertUnsettled();
    }

    function test_RevertWhen_SignersAreOutOfOrder() public {
        bytes memory pair = twoSigs(digest);
        address low = Signatures.rawRecover(digest, Signatures.sigAt(pair, 0));
        address high = Signatures.rawRecover(digest, Signatures.sigAt(pair, 1));
        assertLt(uint160(low), uint160(high), "twoSigs sorts ascending");
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.SignersNotAscending.selector, high, low));
        escrow.settle(t, v, Signatures.reversed(pair));
        _assertUnsettled();
    }

    function test_RevertWhen_FewerThanKSign() public {
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InsufficientSignatures.selector, 1, 2));
        escrow.settle(t, v, Signatures.sign(oracleKeys[0], digest));
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.InsufficientSignatures.selector, 0, 2));
        escrow.settle(t, v, "");
        _assertUnsettled();
    }

    /// @notice Positive control: any k or more distinct members in order settle.
    function test_AnyKOrMoreDistinctMembersInOrderSettle() public {
        uint256[] memory all = new uint256[](3);
        for (uint256 i = 0; i < 3; ++i) {
            all[i] = oracleKeys[i];
        }
        uint256 snap = vm.snapshotState();
        escrow.settle(t, v, Signatures.signSorted(all, digest));
        vm.revertToState(snap);
        escrow.settle(t, v, Signatures.signAll(keysOf(1, 2), digest));
        (IJobEscrow.Status st,,,) = escrow.jobs(jobId);
        assertEq(uint256(st), uint256(IJobEscrow.Status.Settled), "settled");
    }
}
