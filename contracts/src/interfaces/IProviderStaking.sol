// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Provider staking
/// @notice Providers stake GPUC. The escrow locks a slice of free stake per accepted job and
/// unlocks it at settlement. Unbonding takes `unbondingDelay`, longer than the escrow's dispute
/// window; slashing reaches locked and unbonding stake. Only the escrow locks, unlocks, slashes.
interface IProviderStaking {
    /// @notice A provider's stake, split by what it may do.
    /// @param free stake that can be locked for jobs or unbonded
    /// @param locked collateral of accepted jobs
    /// @param unbondingReadyAt when the unbonding amount can be withdrawn
    /// @param unbonding stake on its way out; still slashable
    struct StakeAccount {
        uint96 free;
        uint96 locked;
        uint64 unbondingReadyAt;
        uint96 unbonding;
    }

    /// @notice An amount of zero was given.
    error ZeroAmount();
    /// @notice Free stake does not cover what is asked.
    error InsufficientStake(address provider, uint256 free, uint256 needed);
    /// @notice Locked stake does not cover what the escrow releases.
    error InsufficientLocked(address provider, uint256 locked, uint256 needed);
    /// @notice Only the escrow may lock, unlock and slash.
    error NotEscrow(address caller, address escrow);
    /// @notice The escrow is set once.
    error EscrowAlreadySet(address escrow);
    /// @notice The escrow must be a contract address.
    error InvalidEscrow(address escrow);
    /// @notice The unbonding stake is not withdrawable yet.
    error UnbondingNotReady(address provider, uint256 readyAt, uint256 nowTime);
    /// @notice Nothing is unbonding.
    error NothingUnbonding(address provider);
    /// @notice The stake would not fit the 96-bit accounting.
    error StakeOverflow(uint256 amount);

    /// @notice `provider` added `amount` to its free stake.
    event Staked(address indexed provider, uint256 amount);
    /// @notice `amount` moved from free stake to unbonding, withdrawable at `readyAt`
    /// (the whole unbonding amount matures together).
    event UnbondRequested(address indexed provider, uint256 amount, uint256 unbonding, uint256 readyAt);
    /// @notice Matured unbonding stake was paid out.
    event Withdrawn(address indexed provider, uint256 amount);
    /// @notice The escrow locked `amount` of free stake as job collateral.
    event CollateralLocked(address indexed provider, uint256 amount);
    /// @notice The escrow returned `amount` of collateral to free stake.
    event CollateralUnlocked(address indexed provider, uint256 amount);
    /// @notice `slashed` was taken (collateral first, then unbonding, then free) and sent to `recipient`.
    event Slashed(
        address indexed provider,
        uint256 slashed,
        uint256 fromLocked,
        uint256 fromUnbonding,
        uint256 fromFree,
        address recipient
    );
    /// @notice The escrow was wired in.
    event EscrowSet(address indexed escrow);

    /// @notice Stake `amount` GPUC (approve first).
    function stake(uint256 amount) external;

    /// @notice Stake with an ERC-2612 permit instead of an approval, in one transaction.
    function stakeWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Start unbonding `amount` of free stake; restarts the delay for all unbonding stake.
    function requestUnbond(uint256 amount) external;

    /// @notice Withdraw all matured unbonding stake.
    function withdraw() external returns (uint256 amount);

    /// @notice Lock `amount` of `provider`'s free stake as job collateral. Escrow only.
    function lock(address provider, uint256 amount) external;

    /// @notice Return `amount` of `provider`'s collateral to free stake. Escrow only.
    function unlock(address provider, uint256 amount) external;

    /// @notice Release `lockedAmount` of collateral and take `amount` from it, then from
    /// unbonding, then from free stake; send what was taken to the escrow. Escrow only.
    /// @return slashed what was actually taken (at most the provider's whole stake)
    function slash(address provider, uint256 lockedAmount, uint256 amount) external returns (uint256 slashed);

    /// @notice Wire the escrow, once. Owner only.
    function setEscrow(address escrow) external;

    /// @notice The provider's stake.
    function stakeOf(address provider) external view returns (StakeAccount memory);

    /// @notice How long unbonding takes, in seconds.
    function unbondingDelay() external view returns (uint256);

    /// @notice The escrow allowed to lock, unlock and slash.
    function escrow() external view returns (address);
}
