// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IOracleCommittee} from "./interfaces/IOracleCommittee.sol";

/// @title Oracle committee
/// @notice k-of-n membership. Signature checks use OpenZeppelin's ECDSA (low s, v in {27, 28});
/// ascending signer order makes duplicate detection O(1) per signature.
contract OracleCommittee is IOracleCommittee, Ownable2Step {
    /// @dev One slot, read once per verification.
    struct Config {
        uint64 epoch;
        uint32 threshold;
        uint32 members;
    }

    Config private _config;
    mapping(address account => bool) private _isMember;

    constructor(address owner_, address[] memory members_, uint256 threshold_) Ownable(owner_) {
        for (uint256 i = 0; i < members_.length; ++i) {
            _add(members_[i]);
        }
        _setThreshold(threshold_);
    }

    /// @inheritdoc IOracleCommittee
    function verifySignatures(bytes32 digest, uint64 epoch_, bytes calldata signatures) external view {
        Config memory c = _config;
        // A verdict signed under an earlier epoch stays valid while its signers are members and
        // it meets today's threshold: a committee change does not void verdicts in flight.
        if (epoch_ > c.epoch) revert FutureEpoch(epoch_, c.epoch);
        if (signatures.length % 65 != 0) revert InvalidSignatureLength(signatures.length);
        uint256 count = signatures.length / 65;
        if (count < c.threshold) revert InsufficientSignatures(count, c.threshold);
        address previous = address(0);
        for (uint256 i = 0; i < count; ++i) {
            bytes calldata sig = signatures[i * 65:(i + 1) * 65];
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, sig);
            if (err != ECDSA.RecoverError.NoError) revert InvalidSignature(i);
            if (signer <= previous) revert SignersNotAscending(previous, signer);
            if (!_isMember[signer]) revert UnknownSigner(signer);
            previous = signer;
        }
    }

    /// @inheritdoc IOracleCommittee
    function addMember(address member) external onlyOwner {
        _add(member);
    }

    /// @inheritdoc IOracleCommittee
    function removeMember(address member) external onlyOwner {
        if (!_isMember[member]) revert NotMember(member);
        Config memory c = _config;
        if (c.threshold > c.members - 1) revert InvalidThreshold(c.threshold, c.members - 1);
        _isMember[member] = false;
        c.members -= 1;
        c.epoch += 1;
        _config = c;
        emit MemberRemoved(member, c.epoch);
    }

    /// @inheritdoc IOracleCommittee
    function setThreshold(uint256 threshold_) external onlyOwner {
        _setThreshold(threshold_);
    }

    /// @inheritdoc IOracleCommittee
    function isMember(address account) external view returns (bool) {
        return _isMember[account];
    }

    /// @inheritdoc IOracleCommittee
    function epoch() external view returns (uint64) {
        return _config.epoch;
    }

    /// @inheritdoc IOracleCommittee
    function threshold() external view returns (uint256) {
        return _config.threshold;
    }

    /// @inheritdoc IOracleCommittee
    function memberCount() external view returns (uint256) {
        return _config.members;
    }

    function _add(address member) private {
        if (member == address(0)) revert ZeroAddressMember();
        if (_isMember[member]) revert AlreadyMember(member);
        _isMember[member] = true;
        Config memory c = _config;
        c.members += 1;
        c.epoch += 1;
        _config = c;
        emit MemberAdded(member, c.epoch);
    }

    function _setThreshold(uint256 threshold_) private {
        Config memory c = _config;
        if (threshold_ == 0 || threshold_ > c.members) revert InvalidThreshold(threshold_, c.members);
        // Setting the same k changes nothing: no event, no new epoch.
        if (threshold_ == c.threshold) return;
        emit ThresholdChanged(c.threshold, threshold_, c.epoch + 1);
        c.threshold = uint32(threshold_);
        c.epoch += 1;
        _config = c;
    }
}
