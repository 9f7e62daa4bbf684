// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AttackBase} from "./AttackBase.sol";
import {Signatures} from "../utils/Signatures.sol";
import {JobEscrow} from "../../src/JobEscrow.sol";
import {ProviderStaking} from "../../src/ProviderStaking.sol";
import {IGPUCredit} from "../../src/interfaces/IGPUCredit.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";

/// @notice design.md §3 attack: cross-chain, cross-contract and cross-job replay. A verdict's
/// signatures bind chain id, escrow address, job, outcome, units and committee epoch; moved
/// anywhere else they recover to strangers and are refused. Each test also shows the same
/// signatures still work where they belong, so the refusal is due to the replay alone.
contract ReplayAttackTest is AttackBase {
    IJobEscrow.JobTerms internal t;
    bytes32 internal jobId;

    function setUp() public override {
        super.setUp();
        (t, jobId) = acceptedJob();
    }

    /// @dev The error the committee raises for signatures whose first signer recovers to a
    /// non-member (what any replayed signature turns into).
    function _unknownFirstSigner(bytes32 digestThere, bytes memory sigs) internal pure returns (bytes memory) {
        address first = Signatures.rawRecover(digestThere, Signatures.sigAt(sigs, 0));
        return abi.encodeWithSelector(IOracleCommittee.UnknownSigner.selector, first);
    }

    function _status(JobEscrow e, bytes32 id) internal view returns (IJobEscrow.Status st) {
        (st,,,) = e.jobs(id);
    }

    function test_RevertWhen_VerdictReplayedOnAnotherChain() public {
        IJobEscrow.Verdict memory v = releaseVerdict(jobId, 60);
        bytes memory sigs = twoSigs(escrow.verdictDigest(v));

        vm.chainId(1);
        bytes32 digestOnChain1 = escrow.verdictDigest(v);
        assertEq(
            digestOnChain1,
            Signatures.digestFor(1, address(escrow), _structHash(v)),
            "the escrow rebuilds its domain for the new chain id"
        );
        vm.expectRevert(_unknownFirstSigner(digestOnChain1, sigs));
        escrow.settle(t, v, sigs);
        assertEq(uint256(_status(escrow, jobId)), uint256(IJobEscrow.Status.Accepted), "nothing settled on chain 1");

        vm.chainId(31337);
        escrow.settle(t, v, sigs);
        assertEq(uint256(_status(escrow, jobId)), uint256(IJobEscrow.Status.Settled), "valid on its own chain");
    }

    function test_RevertWhen_VerdictReplayedOnAnotherEscrowWithTheSameCommittee() public {
        (JobEscrow other, ProviderStaking otherStaking) =
            deployEscrow(IGPUCredit(address(gpuc)), IOracleCommittee(address(committee)));
        // the very same terms, opened and accepted on the second escrow: same job id
        fund(provider, 100e18);
        vm.startPrank(provider);
        gpuc.approve(address(otherStaking), 100e18);
        otherStaking.stake(100e18);
        vm.stopPrank();
        vm.startPrank(consumer);
        gpuc.approve(address(other), t.budget);
        assertEq(other.open(t), jobId, "same terms, same id");
        vm.stopPrank();
        vm.prank(provider);
        other.accept(t);

        IJobEscrow.Verdict memory v = releaseVerdict(jobId, 60);
        bytes memory sigs = twoSigs(escrow.verdictDigest(v));
        bytes32 digestThere = other.verdictDigest(v);
        assertTrue(digestThere != escrow.verdictDigest(v), "the verifying contract is in the digest");
        vm.expectRevert(_unknownFirstSigner(digestThere, sigs));
        other.settle(t, v, sigs);
        assertEq(uint256(_status(other, jobId)), uint256(IJobEscrow.Status.Accepted), "nothing settled on B");

        escrow.settle(t, v, sigs);
        assertEq(uint256(_status(escrow, jobId)), uint256(IJobEscrow.Status.Settled), "valid on A");
    }

    function test_RevertWhen_VerdictReplayedOnAnotherJob() public {
        IJobEscrow.JobTerms memory t2 = terms(100e18, 1e18);
        bytes32 job2 = openAndAccept(t2);
        IJobEscrow.Verdict memory v = releaseVerdict(jobId, 60);
        bytes memory sigs = twoSigs(escrow.verdictDigest(v));

        // as signed, but with the other job's terms
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.VerdictJobMismatch.selector, job2, jobId));
        escrow.settle(t2, v, sigs);

        // relabelled to the other job: the signatures no longer recover to members
        IJobEscrow.Verdict memory moved = releaseVerdict(job2, 60);
        vm.expectRevert(_unknownFirstSigner(escrow.verdictDigest(moved), sigs));
        escrow.settle(t2, moved, sigs);

        // and once used where it belongs, it cannot settle that job again
        escrow.settle(t, v, sigs);
        vm.expectRevert(abi.encodeWithSelector(IJobEscrow.WrongStatus.selector, jobId, IJobEscrow.Status.Settled));
        escrow.settle(t, v, sigs);
        assertEq(uint256(_status(escrow, job2)), uint256(IJobEscrow.Status.Accepted), "job 2 untouched");
    }

    function test_RevertWhen_VerdictFieldsAreChangedAfterSigning() public {
        IJobEscrow.Verdict memory v = releaseVerdict(jobId, 60);
        bytes memory sigs = twoSigs(escrow.verdictDigest(v));
        IJobEscrow.Verdict memory more = releaseVerdict(jobId, 100);
        vm.expectRevert(_unknownFirstSigner(escrow.verdictDigest(more), sigs));
        escrow.settle(t, more, sigs);
        IJobEscrow.Verdict memory fault = verdict(jobId, 2, 60);
        vm.expectRevert(_unknownFirstSigner(escrow.verdictDigest(fault), sigs));
        escrow.settle(t, fault, sigs);
    }

    function test_RevertWhen_BatchSignaturesReusedForOtherItemsOrAsASingleVerdict() public {
        IJobEscrow.JobTerms memory t2 = terms(100e18, 1e18);
        bytes32 job2 = openAndAccept(t2);
        uint64 epoch = committee.epoch();
        IJobEscrow.VerdictItem[] memory items = new IJobEscrow.VerdictItem[](1);
        items[0] = IJobEscrow.VerdictItem(jobId, 1, 60, keccak256("r"));
        bytes memory batchSigs = twoSigs(escrow.verdictBatchDigest(items, epoch));

        // the same signatures over a batch naming another job
        IJobEscrow.Settlement[] memory other = new IJobEscrow.Settlement[](1);
        other[0] = IJobEscrow.Settlement(t2, IJobEscrow.VerdictItem(job2, 1, 60, keccak256("r")));
        IJobEscrow.VerdictItem[] memory otherItems = new IJobEscrow.VerdictItem[](1);
        otherItems[0] = other[0].verdict;
        vm.expectRevert(_unknownFirstSigner(escrow.verdictBatchDigest(otherItems, epoch), batchSigs));
        escrow.settleBatch(other, epoch, batchSigs);

        // the batch signatures as a single verdict (same fields, other type): refused
        IJobEscrow.Verdict memory single = IJobEscrow.Verdict(jobId, 1, 60, keccak256("r"), epoch);
        vm.expectRevert(_unknownFirstSigner(escrow.verdictDigest(single), batchSigs));
        escrow.settle(t, single, batchSigs);

        // a single verdict's signatures as a batch of one: refused
        bytes memory singleSigs = twoSigs(escrow.verdictDigest(single));
        IJobEscrow.Settlement[] memory one = new IJobEscrow.Settlement[](1);
        one[0] = IJobEscrow.Settlement(t, items[0]);
        vm.expectRevert(_unknownFirstSigner(escrow.verdictBatchDigest(items, epoch), singleSigs));
        escrow.settleBatch(one, epoch, singleSigs);

        escrow.settleBatch(one, epoch, batchSigs);
        assertEq(uint256(_status(escrow, jobId)), uint256(IJobEscrow.Status.Settled), "valid as signed");
        assertEq(uint256(_status(escrow, job2)), uint256(IJobEscrow.Status.Accepted), "job 2 untouched");
    }

    function test_NoOpCommitteeChange_KeepsVerdictsInFlight() public {
        // Issue 14 (3): the owner alone can no longer push disputed jobs into timeout by
        // re-setting the same threshold.
        IJobEscrow.Verdict memory v = releaseVerdict(jobId, 60);
        bytes memory sigs = twoSigs(escrow.verdictDigest(v));
        vm.prank(admin);
        committee.setThreshold(2); // same k: a no-op, no new epoch
        assertEq(committee.epoch(), v.epoch, "no new epoch");
        escrow.settle(t, v, sigs);
        assertEq(uint256(_status(escrow, jobId)), uint256(IJobEscrow.Status.Settled), "settled as signed");
    }

    function test_RevertWhen_FutureEpochNamed() public {
        // A verdict cannot name an epoch that has not begun (it would outlive the next change's intent).
        IJobEscrow.Verdict memory v = releaseVerdict(jobId, 60);
        v.epoch += 1;
        bytes memory sigs = twoSigs(escrow.verdictDigest(v));
        vm.expectRevert(abi.encodeWithSelector(IOracleCommittee.FutureEpoch.selector, v.epoch, v.epoch - 1));
        escrow.settle(t, v, sigs);
    }

    /// @notice Receipts are checked off-chain, but their digest binds chain and contract too.
    function test_ReceiptDigestBindsChainAndContract() public {
        IJobEscrow.Receipt memory r = IJobEscrow.Receipt(jobId, keccak256("result"), 60, 1, 2);
        bytes32 here = escrow.receiptDigest(r);
        (JobEscrow other,) = deployEscrow(IGPUCredit(address(gpuc)), IOracleCommittee(address(committee)));
        assertTrue(other.receiptDigest(r) != here, "another escrow, another digest");
        vm.chainId(1);
        assertTrue(escrow.receiptDigest(r) != here, "another chain, another digest");
    }

    function _structHash(IJobEscrow.Verdict memory v) internal view returns (bytes32) {
        return keccak256(abi.encode(escrow.VERDICT_TYPEHASH(), v.jobId, v.outcome, v.units, v.resultHash, v.epoch));
    }
}
