// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Oracle committee: k of n verdict signers
/// @notice Every change bumps `epoch`; a verdict names the epoch it was signed under. A verdict
/// of any epoch up to the current one is accepted if its signers are members now and meet the
/// threshold now: a change takes effect at once (removed signers stop counting, a higher k needs
/// more signatures) without voiding verdicts whose signers remain. Setting the same threshold
/// is a no-op.
interface IOracleCommittee {
    /// @notice The signatures are not a whole number of 65-byte signatures.
    error InvalidSignatureLength(uint256 length);
    /// @notice Signature `index` does not recover (bad v, high s, or not a curve point).
    error InvalidSignature(uint256 index);
    /// @notice A signer is not a member.
    error UnknownSigner(address signer);
    /// @notice Signers must be strictly ascending, which also rules out duplicates.
    error SignersNotAscending(address previous, address next);
    /// @notice Fewer signatures than the threshold.
    error InsufficientSignatures(uint256 given, uint256 threshold);
    /// @notice The verdict names an epoch that has not begun.
    error FutureEpoch(uint64 given, uint64 current);
    /// @notice Threshold out of range 1..members.
    error InvalidThreshold(uint256 threshold, uint256 members);
    /// @notice The address is a member already.
    error AlreadyMember(address member);
    /// @notice The address is not a member.
    error NotMember(address member);
    /// @notice address(0) cannot be a member.
    error ZeroAddressMember();

    /// @notice `member` joined; verdicts from `epoch` on count it.
    event MemberAdded(address indexed member, uint64 epoch);
    /// @notice `member` left; verdicts from `epoch` on do not count it.
    event MemberRemoved(address indexed member, uint64 epoch);
    /// @notice The threshold changed from `oldThreshold` to `newThreshold` at `epoch`.
    event ThresholdChanged(uint256 oldThreshold, uint256 newThreshold, uint64 epoch);

    /// @notice Revert unless `signatures` holds at least `threshold` valid signatures over
    /// `digest` by distinct current members (ascending by address) and `epoch` is not in the future.
    /// @param digest the EIP-712 digest signed
    /// @param epoch the epoch the signers named (at most the current one)
    /// @param signatures 65-byte signatures (r, s, v), ascending by signer
    function verifySignatures(bytes32 digest, uint64 epoch, bytes calldata signatures) external view;

    /// @notice Add a member. Owner only.
    function addMember(address member) external;

    /// @notice Remove a member; the threshold must still be reachable. Owner only.
    function removeMember(address member) external;

    /// @notice Set the threshold k. Owner only.
    function setThreshold(uint256 threshold) external;

    /// @notice Whether `account` is a current member.
    function isMember(address account) external view returns (bool);

    /// @notice The current epoch.
    function epoch() external view returns (uint64);

    /// @notice Signatures needed (k).
    function threshold() external view returns (uint256);

    /// @notice Number of members (n).
    function memberCount() external view returns (uint256);
}
