// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IJobEscrow} from "../interfaces/IJobEscrow.sol";

/// @title The escrow's hashes, each computed in one place
/// @notice A job's id and the EIP-712 struct hashes of what providers and the committee sign
/// (acceptance, receipt, verdict, batch verdict). The escrow wraps a struct hash with its
/// domain (`EIP712._hashTypedDataV4`); the Python SDK computes the same values
/// (protocol/typed_data.py, checked against contracts/test/vectors/eip712.json).
library EscrowHashing {
    bytes32 internal constant VERDICT_TYPEHASH =
        keccak256("Verdict(bytes32 jobId,uint8 outcome,uint64 units,bytes32 resultHash,uint64 epoch)");
    bytes32 internal constant VERDICT_ITEM_TYPEHASH =
        keccak256("VerdictItem(bytes32 jobId,uint8 outcome,uint64 units,bytes32 resultHash)");
    bytes32 internal constant VERDICT_BATCH_TYPEHASH = keccak256(
        "VerdictBatch(VerdictItem[] items,uint64 epoch)VerdictItem(bytes32 jobId,uint8 outcome,uint64 units,bytes32 resultHash)"
    );
    bytes32 internal constant ACCEPTANCE_TYPEHASH = keccak256("Acceptance(bytes32 jobId)");
    bytes32 internal constant RECEIPT_TYPEHASH =
        keccak256("Receipt(bytes32 jobId,bytes32 resultHash,uint64 units,uint64 startedAt,uint64 finishedAt)");

    /// @notice A job's id: the hash of its whole terms (terms are not stored; every call
    /// passes them and the escrow checks them against the id).
    /// @param terms the job's terms
    function jobId(IJobEscrow.JobTerms calldata terms) internal pure returns (bytes32) {
        return keccak256(abi.encode(terms));
    }

    /// @notice Struct hash of a provider's acceptance of the job `id`.
    /// @param id the job's id
    function acceptance(bytes32 id) internal pure returns (bytes32) {
        return keccak256(abi.encode(ACCEPTANCE_TYPEHASH, id));
    }

    /// @notice Struct hash of a single-job verdict.
    /// @param v the verdict
    function verdict(IJobEscrow.Verdict calldata v) internal pure returns (bytes32) {
        return keccak256(abi.encode(VERDICT_TYPEHASH, v.jobId, v.outcome, v.units, v.resultHash, v.epoch));
    }

    /// @notice Struct hash of one entry of a batch verdict.
    /// @param v the entry
    function verdictItem(IJobEscrow.VerdictItem calldata v) internal pure returns (bytes32) {
        return keccak256(abi.encode(VERDICT_ITEM_TYPEHASH, v.jobId, v.outcome, v.units, v.resultHash));
    }

    /// @notice Struct hash of a batch verdict: EIP-712 hashes an array of structs as the
    /// keccak256 of its items' struct hashes, concatenated.
    /// @param itemHashes each entry's `verdictItem` hash, in batch order
    /// @param epoch the committee epoch
    function verdictBatch(bytes32[] memory itemHashes, uint64 epoch) internal pure returns (bytes32) {
        return keccak256(abi.encode(VERDICT_BATCH_TYPEHASH, keccak256(abi.encodePacked(itemHashes)), epoch));
    }

    /// @notice Struct hash of a provider's receipt.
    /// @param r the receipt
    function receipt(IJobEscrow.Receipt calldata r) internal pure returns (bytes32) {
        return keccak256(abi.encode(RECEIPT_TYPEHASH, r.jobId, r.resultHash, r.units, r.startedAt, r.finishedAt));
    }
}
