// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Credit sale: GPUC backed 1:rate by a reserve asset
/// @notice Buying mints GPUC against the reserve (ETH or an ERC-20 chosen at deployment), less
/// a spread that goes to the treasury; redeeming burns GPUC and pays the reserve back at the
/// same rate. The reserve held always covers totalSupply x rate.
interface ICreditSale {
    /// @notice A constructor argument, named in `InvalidConfig`.
    enum SaleParam {
        Treasury,
        ReservePerCredit
    }

    /// @notice An amount of zero was given.
    error ZeroAmount();
    /// @notice ETH was sent to a sale whose reserve is an ERC-20, or the ETH sent differs
    /// from the amount named.
    /// @param sent the ETH sent with the call
    /// @param expected the ETH the call should have carried (the amount named, or zero)
    error PaymentMismatch(uint256 sent, uint256 expected);
    /// @notice The purchase is too small to mint a single credit wei, or the redemption too
    /// small to pay a single reserve unit.
    /// @param amount the reserve paid in or the credits redeemed
    error AmountTooSmall(uint256 amount);
    /// @notice Fewer credits (or less reserve) would come out than the caller's minimum.
    /// @param out what would come out
    /// @param minOut the caller's minimum
    error SlippageExceeded(uint256 out, uint256 minOut);
    /// @notice A spread above the hard cap.
    /// @param spreadBps the spread asked for
    /// @param maxSpreadBps the hard cap
    error SpreadTooHigh(uint256 spreadBps, uint256 maxSpreadBps);
    /// @notice A constructor argument is unusable (zero address or zero rate).
    /// @param what which argument
    error InvalidConfig(SaleParam what);
    /// @notice No accrued spread to withdraw.
    error NothingToWithdraw();

    /// @notice `buyer` paid `reserveIn`, of which `spread` went to the treasury, and got `credits`.
    /// @param buyer who bought (and received the credits)
    /// @param reserveIn reserve paid in, spread included
    /// @param credits credit wei minted
    /// @param spread the part of `reserveIn` accrued for the treasury
    event CreditsBought(address indexed buyer, uint256 reserveIn, uint256 credits, uint256 spread);
    /// @notice `account` burnt `credits` and was paid `reserveOut`.
    /// @param account who redeemed
    /// @param credits credit wei burnt
    /// @param reserveOut reserve paid to `account`
    event CreditsRedeemed(address indexed account, uint256 credits, uint256 reserveOut);
    /// @notice The owner changed the spread.
    /// @param oldSpreadBps the spread before
    /// @param newSpreadBps the spread now
    event SpreadChanged(uint256 oldSpreadBps, uint256 newSpreadBps);
    /// @notice Accrued spread was paid to the treasury.
    /// @param treasury who was paid
    /// @param amount reserve paid
    event SpreadWithdrawn(address indexed treasury, uint256 amount);
    /// @notice Reserve above supply x rate (left by credits burnt outside redemption) went to the treasury.
    /// @param treasury who was paid
    /// @param amount reserve paid
    /// @param reserveLeft reserve held after the sweep
    /// @param supply credit supply the reserve left covers
    event ExcessReserveSwept(address indexed treasury, uint256 amount, uint256 reserveLeft, uint256 supply);

    /// @notice Buy credits with `reserveIn` of the reserve asset (send it as msg.value for ETH,
    /// approve it for an ERC-20). Reverts if fewer than `minCredits` would be minted.
    /// @param reserveIn reserve paid in, spread included
    /// @param minCredits the fewest credit wei the caller accepts
    /// @return credits credit wei minted to the caller
    function buy(uint256 reserveIn, uint256 minCredits) external payable returns (uint256 credits);

    /// @notice Burn `credits` of the caller's GPUC and receive the reserve at the sale's rate.
    /// @param credits credit wei to burn
    /// @param minReserveOut the least reserve the caller accepts
    /// @return reserveOut reserve paid to the caller
    function redeem(uint256 credits, uint256 minReserveOut) external returns (uint256 reserveOut);

    /// @notice Credits minted and spread taken for `reserveIn`.
    /// @param reserveIn reserve paid in, spread included
    function quoteBuy(uint256 reserveIn) external view returns (uint256 credits, uint256 spread);

    /// @notice Reserve paid for redeeming `credits`.
    /// @param credits credit wei redeemed
    function quoteRedeem(uint256 credits) external view returns (uint256 reserveOut);

    /// @notice Set the spread in basis points (owner only, at most the hard cap).
    /// @param newSpreadBps the new spread
    function setSpread(uint256 newSpreadBps) external;

    /// @notice Pay the accrued spread to the treasury. Anyone may call; only the treasury is paid.
    function withdrawSpread() external returns (uint256 amount);

    /// @notice Pay the treasury the reserve above what redeeming the whole supply needs
    /// (ceil(totalSupply x reservePerCredit / 1e18)). Credits burnt by the protocol leave their
    /// reserve behind; this is where it goes. Anyone may call.
    function sweepExcessReserve() external returns (uint256 amount);

    /// @notice Reserve above what redeeming the whole supply needs (what `sweepExcessReserve` pays).
    function excessReserve() external view returns (uint256);

    /// @notice The reserve asset; address(0) means ETH.
    function reserveAsset() external view returns (address);

    /// @notice Reserve units per 1e18 credit wei (fixed at deployment).
    function reservePerCredit() external view returns (uint256);

    /// @notice Reserve held against the credit supply (balance less accrued spread).
    function reserveHeld() external view returns (uint256);

    /// @notice Spread in basis points taken on each purchase.
    function spreadBps() external view returns (uint256);

    /// @notice Spread accrued for the treasury and not yet withdrawn.
    function spreadAccrued() external view returns (uint256);

    /// @notice Where the spread goes.
    function treasury() external view returns (address);
}
