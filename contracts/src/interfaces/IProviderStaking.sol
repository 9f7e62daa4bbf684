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
    /// @param provider whose stake
    /// @param free its free stake
    /// @param needed what was asked
    error InsufficientStake(address provider, uint256 free, uint256 needed);
    /// @notice Locked stake does not cover what the escrow releases.
    /// @param provider whose stake
    /// @param locked its locked collateral
    /// @param needed what the escrow released
    error InsufficientLocked(address provider, uint256 locked, uint256 needed);
    /// @notice Only the escrow may lock, unlock and slash.
    /// @param caller who called
    /// @param escrow the escrow
    error NotEscrow(address caller, address escrow);
    /// @notice The escrow is set once.
    /// @param escrow the escrow already set
    error EscrowAlreadySet(address escrow);
    /// @notice The escrow must be a contract address.
    /// @param escrow the address given
    error InvalidEscrow(address escrow);
    /// @notice The unbonding stake is not withdrawable yet.
    /// @param provider whose stake
    /// @param readyAt when it matures
    /// @param nowTime the block time
    error UnbondingNotReady(address provider, uint256 readyAt, uint256 nowTime);
    /// @notice Nothing is unbonding.
    /// @param provider who asked to withdraw
    error NothingUnbonding(address provider);
    /// @notice The stake would not fit the 96-bit accounting.
    /// @param amount the amount that would not fit
    error StakeOverflow(uint256 amount);

    /// @notice `provider` added `amount` to its free stake.
    /// @param provider who staked
    /// @param amount credit wei staked
    event Staked(address indexed provider, uint256 amount);
    /// @notice `amount` moved from free stake to unbonding, withdrawable at `readyAt`
    /// (the whole unbonding amount matures together).
    /// @param provider whose stake
    /// @param amount moved from free stake by this request
    /// @param unbonding the whole unbonding stake now
    /// @param readyAt when all of it matures
    event UnbondRequested(address indexed provider, uint256 amount, uint256 unbonding, uint256 readyAt);
    /// @notice Matured unbonding stake was paid out.
    /// @param provider who was paid
    /// @param amount credit wei paid
    event Withdrawn(address indexed provider, uint256 amount);
    /// @notice The escrow locked `amount` of free stake as job collateral.
    /// @param provider whose stake
    /// @param amount credit wei locked
    event CollateralLocked(address indexed provider, uint256 amount);
    /// @notice The escrow returned `amount` of collateral to free stake.
    /// @param provider whose stake
    /// @param amount credit wei unlocked
    event CollateralUnlocked(address indexed provider, uint256 amount);
    /// @notice `slashed` was taken (collateral first, then unbonding, then free) and sent to `recipient`.
    /// @param provider who was slashed
    /// @param slashed the total taken
    /// @param fromLocked the part taken from locked collateral
    /// @param fromUnbonding the part taken from unbonding stake
    /// @param fromFree the part taken from free stake
    /// @param recipient who received it (the escrow)
    event Slashed(
        address indexed provider,
        uint256 slashed,
        uint256 fromLocked,
        uint256 fromUnbonding,
        uint256 fromFree,
        address recipient
    );
    /// @notice The escrow was wired in.
    /// @param escrow the escrow
    event EscrowSet(address indexed escrow);

    /// @notice Stake `amount` GPUC (approve first).
    /// @param amount credit wei to stake
    function stake(uint256 amount) external;

    /// @notice Stake with an ERC-2612 permit instead of an approval, in one transaction.
    /// @param amount credit wei to stake
    /// @param deadline the permit's deadline
    /// @param v the permit signature's v
    /// @param r the permit signature's r
    /// @param s the permit signature's s
    function stakeWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Start unbonding `amount` of free stake; restarts the delay for all unbonding stake.
    /// @param amount credit wei of free stake to unbond
    function requestUnbond(uint256 amount) external;

    /// @notice Withdraw all matured unbonding stake.
    function withdraw() external returns (uint256 amount);

    /// @notice Lock `amount` of `provider`'s free stake as job collateral. Escrow only.
    /// @param provider whose stake
    /// @param amount credit wei to lock
    function lock(address provider, uint256 amount) external;

    /// @notice Return `amount` of `provider`'s collateral to free stake. Escrow only.
    /// @param provider whose stake
    /// @param amount credit wei to unlock
    function unlock(address provider, uint256 amount) external;

    /// @notice Release `lockedAmount` of collateral and take `amount` from it, then from
    /// unbonding, then from free stake; send what was taken to the escrow. Escrow only.
    /// @param provider who is slashed
    /// @param lockedAmount the job's collateral, released from locked stake
    /// @param amount what to take
    /// @return slashed what was actually taken (at most the provider's whole stake)
    function slash(address provider, uint256 lockedAmount, uint256 amount) external returns (uint256 slashed);

    /// @notice Wire the escrow, once. Owner only.
    /// @param escrow the escrow contract
    function setEscrow(address escrow) external;

    /// @notice The provider's stake.
    /// @param provider whose stake
    function stakeOf(address provider) external view returns (StakeAccount memory);

    /// @notice How long unbonding takes, in seconds.
    function unbondingDelay() external view returns (uint256);

    /// @notice The escrow allowed to lock, unlock and slash.
    function escrow() external view returns (address);
}
