// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "./Test.sol";
import {CreditSale} from "../../src/CreditSale.sol";
import {GPUCredit} from "../../src/GPUCredit.sol";
import {EscrowParameters} from "../../src/EscrowParameters.sol";
import {JobEscrow} from "../../src/JobEscrow.sol";
import {OracleCommittee} from "../../src/OracleCommittee.sol";
import {ProviderStaking} from "../../src/ProviderStaking.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IGPUCredit} from "../../src/interfaces/IGPUCredit.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";
import {IProviderStaking} from "../../src/interfaces/IProviderStaking.sol";

/// @notice The whole protocol deployed with an ETH reserve and a 2-of-3 committee, plus the
/// helpers every test needs (fund, stake, open, accept, sign verdicts).
abstract contract Fixture is Test {
    uint256 internal constant RATE = 1e15; // 1 GPUC = 0.001 ETH
    uint256 internal constant SPREAD_BPS = 50;
    uint256 internal constant FEE_BPS = 100;
    uint256 internal constant BURN_BPS = 50;
    uint256 internal constant COLLATERAL_BPS = 5_000;
    uint256 internal constant SLASH_BURN_BPS = 5_000;
    uint256 internal constant DISPUTE_WINDOW = 1 hours;
    uint256 internal constant MAX_JOB_DURATION = 7 days;
    uint256 internal constant UNBONDING_DELAY = 14 days;
    uint256 internal constant VERDICT_WINDOW = 2 hours;
    uint256 internal constant DISPUTE_BOND_BPS = 1_000;
    uint256 internal constant COMPENSATION_CAP_BPS = 2_500;

    CreditSale internal sale;
    GPUCredit internal gpuc;
    ProviderStaking internal staking;
    OracleCommittee internal committee;
    JobEscrow internal escrow;

    address internal admin;
    address internal treasury;
    address internal consumer;
    uint256 internal consumerKey;
    address internal provider;
    address internal stranger;

    address[3] internal oracles;
    uint256[3] internal oracleKeys;

    uint256 private _salt;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        admin = makeAddr("admin");
        treasury = makeAddr("treasury");
        (consumer, consumerKey) = makeKey("consumer");
        provider = makeAddr("provider");
        stranger = makeAddr("stranger");
        for (uint256 i = 0; i < 3; ++i) {
            (oracles[i], oracleKeys[i]) = makeKey(string.concat("oracle", vm_toString(i)));
        }

        sale = new CreditSale(address(0), RATE, treasury, SPREAD_BPS, admin);
        gpuc = GPUCredit(address(sale.credit()));
        staking = new ProviderStaking(gpuc, UNBONDING_DELAY, admin);
        address[] memory members = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            members[i] = oracles[i];
        }
        committee = new OracleCommittee(admin, members, 2);
        escrow = new JobEscrow(
            EscrowParameters.Config({
                credit: IGPUCredit(address(gpuc)),
                staking: IProviderStaking(address(staking)),
                committee: IOracleCommittee(address(committee)),
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
            })
        );
        vm.prank(admin);
        staking.setEscrow(address(escrow));
    }

    // ---------------------------------------------------------------- money

    /// @dev Buy exactly `credits` GPUC for `who` (pays the spread on top).
    function fund(address who, uint256 credits) internal {
        uint256 reserveIn = (credits * RATE / 1e18) * 10_000 / (10_000 - SPREAD_BPS) + 1;
        vm.deal(who, who.balance + reserveIn);
        vm.prank(who);
        sale.buy{value: reserveIn}(reserveIn, credits);
    }

    function fundAndStake(address who, uint256 credits) internal {
        fund(who, credits);
        vm.startPrank(who);
        gpuc.approve(address(staking), credits);
        staking.stake(credits);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- jobs

    function terms(uint256 budget, uint256 price) internal returns (IJobEscrow.JobTerms memory t) {
        return termsFor(consumer, provider, budget, price);
    }

    function termsFor(address c, address p, uint256 budget, uint256 price)
        internal
        returns (IJobEscrow.JobTerms memory t)
    {
        t = IJobEscrow.JobTerms({
            consumer: c,
            provider: p,
            budget: uint96(budget),
            pricePerUnit: uint96(price),
            acceptDeadline: uint40(block.timestamp + 1 hours),
            deadline: uint40(block.timestamp + 1 days),
            spec: keccak256("spec"),
            salt: ++_salt
        });
    }

    function openJob(IJobEscrow.JobTerms memory t) internal returns (bytes32 jobId) {
        vm.startPrank(t.consumer);
        gpuc.approve(address(escrow), t.budget);
        jobId = escrow.open(t);
        vm.stopPrank();
    }

    function openAndAccept(IJobEscrow.JobTerms memory t) internal returns (bytes32 jobId) {
        jobId = openJob(t);
        vm.prank(t.provider);
        escrow.accept(t);
    }

    // ---------------------------------------------------------------- verdicts

    function verdict(bytes32 jobId, uint8 outcome, uint64 units) internal view returns (IJobEscrow.Verdict memory) {
        return IJobEscrow.Verdict({
            jobId: jobId,
            outcome: outcome,
            units: units,
            resultHash: keccak256(abi.encode("result", jobId)),
            epoch: committee.epoch()
        });
    }

    function sig(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Signatures of the given oracle indices, concatenated in ascending signer order.
    function signSorted(bytes32 digest, uint256[] memory idx) internal view returns (bytes memory out) {
        uint256 n = idx.length;
        address[] memory addrs = new address[](n);
        uint256[] memory keys = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            addrs[i] = oracles[idx[i]];
            keys[i] = oracleKeys[idx[i]];
        }
        for (uint256 i = 0; i < n; ++i) {
            for (uint256 j = i + 1; j < n; ++j) {
                if (addrs[j] < addrs[i]) {
                    (addrs[i], addrs[j]) = (addrs[j], addrs[i]);
                    (keys[i], keys[j]) = (keys[j], keys[i]);
                }
            }
        }
        for (uint256 i = 0; i < n; ++i) {
            out = bytes.concat(out, sig(keys[i], digest));
        }
    }

    function twoOf3(bytes32 digest) internal view returns (bytes memory) {
        uint256[] memory idx = new uint256[](2);
        idx[0] = 0;
        idx[1] = 1;
        return signSorted(digest, idx);
    }

    function settleRelease(IJobEscrow.JobTerms memory t, bytes32 jobId, uint64 units) internal {
        IJobEscrow.Verdict memory v = verdict(jobId, 1, units);
        escrow.settle(t, v, twoOf3(escrow.verdictDigest(v)));
    }

    /// @dev Pay out one settled job; anyone may call `payOut`, here the test contract does.
    function payOutOne(IJobEscrow.JobTerms memory t) internal returns (uint256 paid) {
        IJobEscrow.JobTerms[] memory ts = new IJobEscrow.JobTerms[](1);
        ts[0] = t;
        return escrow.payOut(ts);
    }

    /// @dev A release verdict and its payout: where the money stands once a release is complete.
    function settleReleaseAndPayOut(IJobEscrow.JobTerms memory t, bytes32 jobId, uint64 units) internal {
        settleRelease(t, jobId, units);
        payOutOne(t);
    }

    function settleFault(IJobEscrow.JobTerms memory t, bytes32 jobId) internal {
        IJobEscrow.Verdict memory v = verdict(jobId, 2, 0);
        escrow.settle(t, v, twoOf3(escrow.verdictDigest(v)));
    }

    function vm_toString(uint256 v) internal pure returns (string memory) {
        if (v == 0) return "0";
        bytes memory b;
        while (v != 0) {
            b = abi.encodePacked(bytes1(uint8(48 + v % 10)), b);
            v /= 10;
        }
        return string(b);
    }
}
