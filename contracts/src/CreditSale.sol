// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ICreditSale} from "./interfaces/ICreditSale.sol";
import {IGPUCredit} from "./interfaces/IGPUCredit.sol";
import {GPUCredit} from "./GPUCredit.sol";

/// @title Credit sale
/// @notice Mints GPUC against a reserve (ETH or one ERC-20) at a rate fixed at deployment.
/// Rounding always favours the reserve: mints round down, redemptions round down, so
/// reserveHeld >= totalSupply * reservePerCredit / 1e18 holds after every call.
contract CreditSale is ICreditSale, Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_SPREAD_BPS = 1_000;
    uint256 private constant BPS = 10_000;
    uint256 private constant CREDIT_UNIT = 1e18;

    IGPUCredit public immutable credit;
    /// @inheritdoc ICreditSale
    address public immutable reserveAsset;
    /// @inheritdoc ICreditSale
    uint256 public immutable reservePerCredit;
    /// @inheritdoc ICreditSale
    address public immutable treasury;

    /// @inheritdoc ICreditSale
    uint256 public spreadBps;
    /// @inheritdoc ICreditSale
    uint256 public spreadAccrued;

    /// @notice Deploys the GPUC token with this sale as its only minter.
    /// @param reserveAsset_ address(0) for ETH, else the ERC-20 reserve
    /// @param reservePerCredit_ reserve units per 1e18 credit wei
    constructor(address reserveAsset_, uint256 reservePerCredit_, address treasury_, uint256 spreadBps_, address owner_)
        Ownable(owner_)
    {
        if (treasury_ == address(0)) revert InvalidConfig(SaleParam.Treasury);
        if (reservePerCredit_ == 0) revert InvalidConfig(SaleParam.ReservePerCredit);
        if (spreadBps_ > MAX_SPREAD_BPS) revert SpreadTooHigh(spreadBps_, MAX_SPREAD_BPS);
        credit = new GPUCredit(address(this));
        reserveAsset = reserveAsset_;
        reservePerCredit = reservePerCredit_;
        treasury = treasury_;
        spreadBps = spreadBps_;
        emit SpreadChanged(0, spreadBps_);
    }

    /// @inheritdoc ICreditSale
    function buy(uint256 reserveIn, uint256 minCredits) external payable nonReentrant returns (uint256 credits) {
        if (reserveIn == 0) revert ZeroAmount();
        if (reserveAsset == address(0)) {
            if (msg.value != reserveIn) revert PaymentMismatch(msg.value, reserveIn);
        } else {
            if (msg.value != 0) revert PaymentMismatch(msg.value, 0);
            // Count what arrived, so a fee-on-transfer reserve cannot under-back credits.
            IERC20 asset = IERC20(reserveAsset);
            uint256 before = asset.balanceOf(address(this));
            asset.safeTransferFrom(msg.sender, address(this), reserveIn);
            reserveIn = asset.balanceOf(address(this)) - before;
        }
        uint256 spread;
        (credits, spread) = quoteBuy(reserveIn);
        if (credits == 0) revert AmountTooSmall(reserveIn);
        if (credits < minCredits) revert SlippageExceeded(credits, minCredits);
        spreadAccrued += spread;
        credit.mint(msg.sender, credits);
        emit CreditsBought(msg.sender, reserveIn, credits, spread);
    }

    /// @inheritdoc ICreditSale
    function redeem(uint256 credits, uint256 minReserveOut) external nonReentrant returns (uint256 reserveOut) {
        if (credits == 0) revert ZeroAmount();
        reserveOut = quoteRedeem(credits);
        // Dust worth less than one reserve unit would burn credits for nothing.
        if (reserveOut == 0) revert AmountTooSmall(credits);
        if (reserveOut < minReserveOut) revert SlippageExceeded(reserveOut, minReserveOut);
        // Burn before paying: the reserve leaves only after the credits are gone.
        credit.minterBurn(msg.sender, credits);
        emit CreditsRedeemed(msg.sender, credits, reserveOut);
        _pay(msg.sender, reserveOut);
    }

    /// @inheritdoc ICreditSale
    function setSpread(uint256 newSpreadBps) external onlyOwner {
        if (newSpreadBps > MAX_SPREAD_BPS) revert SpreadTooHigh(newSpreadBps, MAX_SPREAD_BPS);
        emit SpreadChanged(spreadBps, newSpreadBps);
        spreadBps = newSpreadBps;
    }

    /// @inheritdoc ICreditSale
    function withdrawSpread() external nonReentrant returns (uint256 amount) {
        amount = spreadAccrued;
        if (amount == 0) revert NothingToWithdraw();
        spreadAccrued = 0;
        emit SpreadWithdrawn(treasury, amount);
        _pay(treasury, amount);
    }

    /// @inheritdoc ICreditSale
    function sweepExcessReserve() external nonReentrant returns (uint256 amount) {
        amount = excessReserve();
        if (amount == 0) revert NothingToWithdraw();
        emit ExcessReserveSwept(treasury, amount, reserveHeld() - amount, credit.totalSupply());
        _pay(treasury, amount);
    }

    /// @inheritdoc ICreditSale
    function excessReserve() public view returns (uint256) {
        uint256 needed = Math.mulDiv(credit.totalSupply(), reservePerCredit, CREDIT_UNIT, Math.Rounding.Ceil);
        uint256 held = reserveHeld();
        return held > needed ? held - needed : 0;
    }

    /// @inheritdoc ICreditSale
    function quoteBuy(uint256 reserveIn) public view returns (uint256 credits, uint256 spread) {
        spread = Math.mulDiv(reserveIn, spreadBps, BPS);
        credits = Math.mulDiv(reserveIn - spread, CREDIT_UNIT, reservePerCredit);
    }

    /// @inheritdoc ICreditSale
    function quoteRedeem(uint256 credits) public view returns (uint256 reserveOut) {
        reserveOut = Math.mulDiv(credits, reservePerCredit, CREDIT_UNIT);
    }

    /// @inheritdoc ICreditSale
    function reserveHeld() public view returns (uint256) {
        uint256 balance =
            reserveAsset == address(0) ? address(this).balance : IERC20(reserveAsset).balanceOf(address(this));
        return balance - spreadAccrued;
    }

    function _pay(address to, uint256 amount) private {
        if (reserveAsset == address(0)) Address.sendValue(payable(to), amount);
        else IERC20(reserveAsset).safeTransfer(to, amount);
    }
}
