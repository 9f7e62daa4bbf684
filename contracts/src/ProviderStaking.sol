// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IProviderStaking} from "./interfaces/IProviderStaking.sol";

/// @title Provider staking
/// @notice One bucket of unbonding stake per provider that matures as a whole, so there is no
/// list to loop over; a new request restarts the delay for the whole bucket.
contract ProviderStaking is IProviderStaking, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    IERC20 public immutable credit;
    /// @inheritdoc IProviderStaking
    uint256 public immutable unbondingDelay;
    /// @inheritdoc IProviderStaking
    address public escrow;

    mapping(address provider => StakeAccount) private _stakes;

    constructor(IERC20 credit_, uint256 unbondingDelay_, address owner_) Ownable(owner_) {
        credit = credit_;
        unbondingDelay = unbondingDelay_;
    }

    modifier onlyEscrow() {
        if (msg.sender != escrow) revert NotEscrow(msg.sender, escrow);
        _;
    }

    /// @inheritdoc IProviderStaking
    function setEscrow(address escrow_) external onlyOwner {
        if (escrow != address(0)) revert EscrowAlreadySet(escrow);
        if (escrow_.code.length == 0) revert InvalidEscrow(escrow_);
        escrow = escrow_;
        emit EscrowSet(escrow_);
    }

    /// @inheritdoc IProviderStaking
    function stake(uint256 amount) external nonReentrant {
        _stake(amount);
    }

    /// @inheritdoc IProviderStaking
    function stakeWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external nonReentrant {
        // A front-run permit consumes the nonce but leaves the allowance: go on if it is there.
        try IERC20Permit(address(credit)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _stake(amount);
    }

    /// @inheritdoc IProviderStaking
    function requestUnbond(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        StakeAccount storage s = _stakes[msg.sender];
        if (amount > s.free) revert InsufficientStake(msg.sender, s.free, amount);
        uint64 readyAt = (block.timestamp + unbondingDelay).toUint64();
        s.free -= uint96(amount);
        s.unbonding += uint96(amount);
        s.unbondingReadyAt = readyAt;
        emit UnbondRequested(msg.sender, amount, s.unbonding, readyAt);
    }

    /// @inheritdoc IProviderStaking
    function withdraw() external nonReentrant returns (uint256 amount) {
        StakeAccount storage s = _stakes[msg.sender];
        amount = s.unbonding;
        if (amount == 0) revert NothingUnbonding(msg.sender);
        if (block.timestamp < s.unbondingReadyAt) {
            revert UnbondingNotReady(msg.sender, s.unbondingReadyAt, block.timestamp);
        }
        s.unbonding = 0;
        s.unbondingReadyAt = 0;
        emit Withdrawn(msg.sender, amount);
        credit.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IProviderStaking
    function lock(address provider, uint256 amount) external onlyEscrow {
        StakeAccount storage s = _stakes[provider];
        if (amount > s.free) revert InsufficientStake(provider, s.free, amount);
        // amount <= free < 2^96, so the casts and the sum cannot overflow (locked + free <= supply).
        s.free -= uint96(amount);
        s.locked += uint96(amount);
        emit CollateralLocked(provider, amount);
    }

    /// @inheritdoc IProviderStaking
    function unlock(address provider, uint256 amount) external onlyEscrow {
        StakeAccount storage s = _stakes[provider];
        if (amount > s.locked) revert InsufficientLocked(provider, s.locked, amount);
        s.locked -= uint96(amount);
        s.free += uint96(amount);
        emit CollateralUnlocked(provider, amount);
    }

    /// @inheritdoc IProviderStaking
    function slash(address provider, uint256 lockedAmount, uint256 amount)
        external
        onlyEscrow
        nonReentrant
        returns (uint256 slashed)
    {
        StakeAccount storage s = _stakes[provider];
        if (lockedAmount > s.locked) revert InsufficientLocked(provider, s.locked, lockedAmount);
        s.locked -= uint96(lockedAmount);

        // Collateral first, then unbonding (no escape by unbonding), then free stake.
        uint256 fromLocked = amount < lockedAmount ? amount : lockedAmount;
        uint256 rest = amount - fromLocked;
        uint256 fromUnbonding = rest < s.unbonding ? rest : s.unbonding;
        rest -= fromUnbonding;
        uint256 freeAfterRelease = uint256(s.free) + (lockedAmount - fromLocked);
        uint256 fromFree = rest < freeAfterRelease ? rest : freeAfterRelease;

        s.unbonding -= uint96(fromUnbonding);
        s.free = uint96(freeAfterRelease - fromFree);
        slashed = fromLocked + fromUnbonding + fromFree;
        emit Slashed(provider, slashed, fromLocked, fromUnbonding, fromFree, msg.sender);
        if (slashed != 0) credit.safeTransfer(msg.sender, slashed);
    }

    /// @inheritdoc IProviderStaking
    function stakeOf(address provider) external view returns (StakeAccount memory) {
        return _stakes[provider];
    }

    function _stake(uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        StakeAccount storage s = _stakes[msg.sender];
        uint256 total = uint256(s.free) + s.locked + s.unbonding + amount;
        if (total > type(uint96).max) revert StakeOverflow(total);
        s.free += uint96(amount);
        emit Staked(msg.sender, amount);
        credit.safeTransferFrom(msg.sender, address(this), amount);
    }
}
