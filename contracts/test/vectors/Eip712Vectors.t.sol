// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Fixture} from "../utils/Fixture.sol";
import {Signatures} from "../utils/Signatures.sol";
import {JobEscrow} from "../../src/JobEscrow.sol";
import {OracleCommittee} from "../../src/OracleCommittee.sol";
import {IJobEscrow} from "../../src/interfaces/IJobEscrow.sol";
import {IOracleCommittee} from "../../src/interfaces/IOracleCommittee.sol";

/// @notice The EIP-712 vectors written by scripts/gen_eip712_vectors.py from the Python SDK
/// (protocol/typed_data.py): the escrow must compute the same job ids and digests, and accept
/// exactly the signatures the SDK accepts -- the SDK's valid ones recover to the listed
/// signers and pass the committee, its malleated ones (high s, v as 0/1) fail both.
/// tests/unit/test_eip712_vectors.py checks the same file against the SDK.
contract Eip712VectorsTest is Fixture {
    string internal json;
    JobEscrow internal vectorEscrow;
    OracleCommittee internal vectorCommittee;

    function setUp() public override {
        super.setUp();
        json = vm.readFile(string.concat(vm.projectRoot(), "/contracts/test/vectors/eip712.json"));
        vm.chainId(vm.parseJsonUint(json, ".domain.chainId"));
        // The real escrow's code at the vectors' verifying contract: EIP712 rebuilds the domain
        // separator from address(this), so the digests are those of an escrow deployed there.
        address verifying = vm.parseJsonAddress(json, ".domain.verifyingContract");
        vm.etch(verifying, address(escrow).code);
        vectorEscrow = JobEscrow(verifying);
        // a 1-of-3 committee of the vector signers: each signature alone must pass or fail
        address[] memory members = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            members[i] = vm.parseJsonAddress(json, _at(".verdicts[0].signatures", i, ".signer"));
        }
        vectorCommittee = new OracleCommittee(admin, members, 1);
    }

    // ---------------------------------------------------------------- the domain

    function test_DomainIsTheEscrowsDomain() public view {
        (, string memory name, string memory version, uint256 chainId, address verifying,,) =
            vectorEscrow.eip712Domain();
        assertEq(keccak256(bytes(name)), keccak256(bytes(vm.parseJsonString(json, ".domain.name"))), "name");
        assertEq(keccak256(bytes(version)), keccak256(bytes(vm.parseJsonString(json, ".domain.version"))), "version");
        assertEq(chainId, vm.parseJsonUint(json, ".domain.chainId"), "chainId");
        assertEq(verifying, vm.parseJsonAddress(json, ".domain.verifyingContract"), "verifyingContract");
    }

    // ---------------------------------------------------------------- job ids

    function test_JobIdsMatchTheSdk() public view {
        uint256 n = _count(".jobTerms");
        assertGt(n, 0, "vectors present");
        for (uint256 i = 0; i < n; ++i) {
            string memory p = _at(".jobTerms", i, ".terms");
            IJobEscrow.JobTerms memory t = IJobEscrow.JobTerms({
                consumer: vm.parseJsonAddress(json, string.concat(p, ".consumer")),
                provider: vm.parseJsonAddress(json, string.concat(p, ".provider")),
                budget: uint96(vm.parseJsonUint(json, string.concat(p, ".budget"))),
                pricePerUnit: uint96(vm.parseJsonUint(json, string.concat(p, ".pricePerUnit"))),
                acceptDeadline: uint40(vm.parseJsonUint(json, string.concat(p, ".acceptDeadline"))),
                deadline: uint40(vm.parseJsonUint(json, string.concat(p, ".deadline"))),
                spec: vm.parseJsonBytes32(json, string.concat(p, ".spec")),
                salt: vm.parseJsonUint(json, string.concat(p, ".salt"))
            });
            assertEq(vectorEscrow.jobIdOf(t), vm.parseJsonBytes32(json, _at(".jobTerms", i, ".jobId")), "job id");
        }
    }

    // ---------------------------------------------------------------- digests and signers

    function test_ReceiptDigestsAndSignersMatchTheSdk() public view {
        uint256 n = _count(".receipts");
        assertGt(n, 0, "vectors present");
        for (uint256 i = 0; i < n; ++i) {
            string memory m = _at(".receipts", i, ".message");
            IJobEscrow.Receipt memory r = IJobEscrow.Receipt({
                jobId: vm.parseJsonBytes32(json, string.concat(m, ".jobId")),
                resultHash: vm.parseJsonBytes32(json, string.concat(m, ".resultHash")),
                units: uint64(vm.parseJsonUint(json, string.concat(m, ".units"))),
                startedAt: uint64(vm.parseJsonUint(json, string.concat(m, ".startedAt"))),
                finishedAt: uint64(vm.parseJsonUint(json, string.concat(m, ".finishedAt")))
            });
            bytes32 digest = vm.parseJsonBytes32(json, _at(".receipts", i, ".digest"));
            assertEq(vectorEscrow.receiptDigest(r), digest, "receipt digest");
            _checkSignatures(_at(".receipts", i, ""), digest, false);
        }
    }

    function test_VerdictDigestsAndSignersMatchTheSdk() public view {
        uint256 n = _count(".verdicts");
        assertGt(n, 0, "vectors present");
        for (uint256 i = 0; i < n; ++i) {
            string memory m = _at(".verdicts", i, ".message");
            IJobEscrow.Verdict memory v = IJobEscrow.Verdict({
                jobId: vm.parseJsonBytes32(json, string.concat(m, ".jobId")),
                outcome: uint8(vm.parseJsonUint(json, string.concat(m, ".outcome"))),
                units: uint64(vm.parseJsonUint(json, string.concat(m, ".units"))),
                resultHash: vm.parseJsonBytes32(json, string.concat(m, ".resultHash")),
                epoch: uint64(vm.parseJsonUint(json, string.concat(m, ".epoch")))
            });
            bytes32 digest = vm.parseJsonBytes32(json, _at(".verdicts", i, ".digest"));
            assertEq(vectorEscrow.verdictDigest(v), digest, "verdict digest");
            _checkSignatures(_at(".verdicts", i, ""), digest, true);
        }
    }

    function test_VerdictBatchDigestsAndSignersMatchTheSdk() public view {
        uint256 n = _count(".verdictBatches");
        assertGt(n, 0, "vectors present");
        for (uint256 i = 0; i < n; ++i) {
            string memory m = _at(".verdictBatches", i, ".message");
            uint256 k = _count(string.concat(m, ".items"));
            IJobEscrow.VerdictItem[] memory items = new IJobEscrow.VerdictItem[](k);
            for (uint256 j = 0; j < k; ++j) {
                string memory it = _at(string.concat(m, ".items"), j, "");
                items[j] = IJobEscrow.VerdictItem({
                    jobId: vm.parseJsonBytes32(json, string.concat(it, ".jobId")),
                    outcome: uint8(vm.parseJsonUint(json, string.concat(it, ".outcome"))),
                    units: uint64(vm.parseJsonUint(json, string.concat(it, ".units"))),
                    resultHash: vm.parseJsonBytes32(json, string.concat(it, ".resultHash"))
                });
            }
            uint64 epoch = uint64(vm.parseJsonUint(json, string.concat(m, ".epoch")));
            bytes32 digest = vm.parseJsonBytes32(json, _at(".verdictBatches", i, ".digest"));
            assertEq(vectorEscrow.verdictBatchDigest(items, epoch), digest, "batch digest");
            _checkSignatures(_at(".verdictBatches", i, ""), digest, true);
        }
    }

    // ---------------------------------------------------------------- helpers

    /// @dev Valid signatures: forge's vm.sign gives the same bytes (RFC 6979 both sides),
    /// OpenZeppelin recovers the listed signer, and (verdicts) the committee accepts them one by
    /// one and all together. Malleated ones: OpenZeppelin and the committee refuse them, though
    /// a high-s twin still recovers to the signer through the raw precompile.
    function _checkSignatures(string memory vector, bytes32 digest, bool committeeSigned) internal view {
        string memory sigsPath = string.concat(vector, ".signatures");
        uint256 n = _count(sigsPath);
        assertGt(n, 0, "signatures present");
        bytes memory all;
        for (uint256 i = 0; i < n; ++i) {
            bytes memory sig = vm.parseJsonBytes(json, _at(sigsPath, i, ".signature"));
            address signer = vm.parseJsonAddress(json, _at(sigsPath, i, ".signer"));
            uint256 key = uint256(vm.parseJsonBytes32(json, _at(sigsPath, i, ".privateKey")));
            assertEq(vm.addr(key), signer, "key and signer agree");
            assertEq(keccak256(Signatures.sign(key, digest)), keccak256(sig), "vm.sign == the SDK's signature");
            (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, sig);
            assertEq(uint256(err), uint256(ECDSA.RecoverError.NoError), "valid signature recovers");
            assertEq(recovered, signer, "recovers to the listed signer");
            if (committeeSigned) vectorCommittee.verifySignatures(digest, vectorCommittee.epoch(), sig);
            all = bytes.concat(all, sig);
        }
        if (committeeSigned) vectorCommittee.verifySignatures(digest, vectorCommittee.epoch(), all);

        string memory badPath = string.concat(vector, ".malleated");
        uint256 m = _count(badPath);
        assertGt(m, 0, "malleated variants present");
        for (uint256 i = 0; i < m; ++i) {
            assertFalse(vm.parseJsonBool(json, _at(badPath, i, ".valid")), "marked invalid");
            bytes memory sig = vm.parseJsonBytes(json, _at(badPath, i, ".signature"));
            (, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, sig);
            assertTrue(err != ECDSA.RecoverError.NoError, "OpenZeppelin refuses a malleated signature");
            if (keccak256(bytes(vm.parseJsonString(json, _at(badPath, i, ".variant")))) == keccak256("high-s")) {
                assertEq(
                    Signatures.rawRecover(digest, sig),
                    vm.parseJsonAddress(json, _at(badPath, i, ".signer")),
                    "the raw precompile would accept the high-s twin"
                );
            }
            if (committeeSigned) {
                try vectorCommittee.verifySignatures(digest, vectorCommittee.epoch(), sig) {
                    assertTrue(false, "the committee accepted a malleated signature");
                } catch (bytes memory reason) {
                    assertEq(
                        keccak256(reason),
                        keccak256(abi.encodeWithSelector(IOracleCommittee.InvalidSignature.selector, 0)),
                        "refused as InvalidSignature(0)"
                    );
                }
            }
        }
    }

    function _at(string memory array, uint256 i, string memory field) internal pure returns (string memory) {
        return string.concat(array, "[", vm.toString(i), "]", field);
    }

    function _count(string memory array) internal view returns (uint256 n) {
        while (vm.keyExistsJson(json, _at(array, n, ""))) ++n;
    }
}
