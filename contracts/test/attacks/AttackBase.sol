// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "../utils/Fixture.sol";
import {Signatures} from "../utils/Signatures.sol";
import {EscrowParameters} from "../../src/EscrowParameters.sol";
import {JobEscrow} from "../../src/JobEscrow.sol";
import {ProviderStaking} from "../../src/ProviderStaking.sol";
import {IGPUCredit} from "../../src/interfaces/IGPUCredit.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";
import {Reenterer} from "./mocks/Reenterer.sol";

/// @notice What the attack tests share: a second escrow deployment, the committee's keys in
/// ascending order, and checks on how an attacker's re-entry attempts ended.
abstract contract AttackBase is Fixture {
    /// @dev The fixture's escrow parameters over other contracts.
    function escrowConfig(IGPUCredit credit, IProviderStaking staking_, IOracleCommittee committee_)
        internal
        view
        returns (EscrowParameters.Config memory)
    {
        return EscrowParameters.Config({
            credit: credit,
            staking: staking_,
            committee: committee_,
            treasury: treasury,
            feeBps: FEE_BPS,
            burnBps: BURN_BPS,
            collateralBps: COLLATERAL_BPS,
            slashBurnBps: SLASH_BURN_BPS,
            disputeWindow: DISPUTE_WINDOW,
            maxJobDuration: MAX_JOB_DURATION,
            verdictWindow: VERDICT_WINDOW,
            disputeBondBps: DISPUTE_BOND_BPS,
            compensationCapBps: COMPENSATION_CAP_BPS
        });
    }

    /// @dev A second escrow (own staking) over `credit` and `committee_`, same parameters.
    function deployEscrow(IGPUCredit credit, IOracleCommittee committee_)
        internal
        returns (JobEscrow e, ProviderStaking s)
    {
        s = new ProviderStaking(credit, UNBONDING_DELAY, admin);
        e = new JobEscrow(escrowConfig(credit, IProviderStaking(address(s)), committee_));
        vm.prank(admin);
        s.setEscrow(address(e));
    }

    /// @dev A funded consumer, a staked provider and one accepted 100-GPUC job.
    function acceptedJob() internal returns (IJobEscrow.JobTerms memory t, bytes32 jobId) {
        fund(consumer, 1_000e18);
        fundAndStake(provider, 1_000e18);
        t = terms(100e18, 1e18);
        jobId = openAndAccept(t);
    }

    /// @dev Keys of the given oracle indices, ascending by address.
    function keysOf(uint256 a, uint256 b) internal view returns (uint256[] memory keys) {
        keys = new uint256[](2);
        keys[0] = oracleKeys[a];
        keys[1] = oracleKeys[b];
        keys = Signatures.sortByAddress(keys);
    }

    /// @dev Valid 2-of-3 signatures (oracles 0 and 1) over `digest`.
    function twoSigs(bytes32 digest) internal view returns (bytes memory) {
        return Signatures.signAll(keysOf(0, 1), digest);
    }

    function releaseVerdict(bytes32 jobId, uint64 units) internal view returns (IJobEscrow.Verdict memory) {
        return verdict(jobId, 1, units);
    }

    /// @dev The attacker's `i`-th re-entry attempt reverted with exactly `err`.
    function assertReentryFailedWith(Reenterer attacker, uint256 i, bytes memory err, string memory what)
        internal
        view
    {
        (bool ok, bytes memory ret) = attacker.outcome(i);
        assertFalse(ok, string.concat(what, ": the re-entry succeeded"));
        assertEq(keccak256(ret), keccak256(err), string.concat(what, ": reverted with another error"));
    }
}
