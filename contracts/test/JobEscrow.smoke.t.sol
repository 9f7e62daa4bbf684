// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Fixture} from "./utils/Fixture.sol";
import {IJobEscrow} from "../src/interfaces/IJobEscrow.sol";

contract JobEscrowSmokeTest is Fixture {
    function test_HappyPath_ReleasePaysProvider() public {
        fund(consumer, 1000e18);
        fundAndStake(provider, 1000e18);
        IJobEscrow.JobTerms memory t = terms(100e18, 1e18);
        bytes32 jobId = openAndAccept(t);
        settleReleaseAndPayOut(t, jobId, 60);
        (IJobEscrow.Status st,,, bool paidOut) = escrow.jobs(jobId);
        assertEq(uint256(st), uint256(IJobEscrow.Status.Settled), "settled");
        assertTrue(paidOut, "paid out");
        uint256 pay = 60e18;
        assertEq(escrow.claimable(provider), pay - pay * FEE_BPS / 10_000 - pay * BURN_BPS / 10_000, "provider");
        assertEq(escrow.claimable(consumer), 40e18, "consumer refund");
    }
}
