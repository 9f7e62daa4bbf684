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
    /// @param length the byte length given
    error InvalidSignatureLength(uint256 length);
    /// @notice Signature `index` does not recover (bad v, high s, or not a curve point).
    /// @param index the signature's position in the list
    error InvalidSignature(uint256 index);
    /// @notice A signer is not a member.
    /// @param signer the address the signature recovered to
    error UnknownSigner(address signer);
    /// @notice Signers must be strictly ascending, which also rules out duplicates.
    /// @param previous the signer before
    /// @param next the signer that is not above it
    error SignersNotAscending(address previous, address next);
    /// @notice Fewer signatures than the threshold.
    /// @param given signatures given
    /// @param threshold signatures needed (k)
    error InsufficientSignatures(uint256 given, uint256 threshold);
    /// @notice The verdict names an epoch that has not begun.
    /// @param given the epoch named
    /// @param current the current epoch
    error FutureEpoch(uint64 given, uint64 current);
    /// @notice Threshold out of range 1..members.
    /// @param threshold the threshold asked for (or kept, on a removal)
    /// @param members the members there would be
    error InvalidThreshold(uint256 threshold, uint256 members);
    /// @notice The address is a member already.
    /// @param member the address
    error AlreadyMember(address member);
    /// @notice The address is not a member.
    /// @param member the address
    error NotMember(address member);
    /// @notice address(0) cannot be a member.
    error ZeroAddressMember();

    /// @notice `member` joined; verdicts from `epoch` on count it.
    /// @param member the new member
    /// @param epoch the epoch the change began
    event MemberAdded(address indexed member, uint64 epoch);
    /// @notice `member` left; verdicts from `epoch` on do not count it.
    /// @param member the removed member
    /// @param epoch the epoch the change began
    event MemberRemoved(address indexed member, uint64 epoch);
    /// @notice The threshold changed from `oldThreshold` to `newThreshold` at `epoch`.
    /// @param oldThreshold k before
    /// @param newThreshold k now
    /// @param epoch the epoch the change began
    event ThresholdChanged(uint256 oldThreshold, uint256 newThreshold, uint64 epoch);

    /// @notice Revert unless `signatures` holds at least `threshold` valid signatures over
    /// `digest` by distinct current members (ascending by address) and `epoch` is not in the future.
    /// @param digest the EIP-712 digest signed
    /// @param epoch the epoch the signers named (at most the current one)
    /// @param signatures 65-byte signatures (r, s, v), ascending by signer
    function verifySignatures(bytes32 digest, uint64 epoch, bytes calldata signatures) external view;

    /// @notice Add a member. Owner only.
    /// @param member the address to add
    function addMember(address member) external;

    /// @notice Remove a member; the threshold must still be reachable. Owner only.
    /// @param member the address to remove
    function removeMember(address member) external;

    /// @notice Set the threshold k. Owner only.
    /// @param threshold the new k, 1..memberCount (the same k changes nothing)
    function setThreshold(uint256 threshold) external;

    /// @notice Whether `account` is a current member.
    /// @param account the address asked about
    function isMember(address account) external view returns (bool);

    /// @notice The current epoch.
    function epoch() external view returns (uint64);

    /// @notice Signatures needed (k).
    function threshold() external view returns (uint256);

    /// @notice Number of members (n).
    function memberCount() external view returns (uint256);
}
