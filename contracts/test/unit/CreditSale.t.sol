// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
import {Fixture} from "../utils/Fixture.sol";
import {CreditSale} from "../../src/CreditSale.sol";
import {GPUCredit} from "../../src/GPUCredit.sol";
import {ICreditSale} from "../../src/interfaces/ICreditSale.sol";

/// @dev An account that cannot take ETH (no receive, no fallback).
contract EthRefuser {}

/// @notice CreditSale with an ETH reserve (the fixture's sale: 1 GPUC = 0.001 ETH, 50 bps spread).
contract CreditSaleTest is Fixture {
    address internal buyer;

    function setUp() public override {
        super.setUp();
        buyer = makeAddr("buyer");
        vm.deal(buyer, 100 ether);
        vm.deal(stranger, 100 ether);
    }

    function buyAs(address who, uint256 reserveIn) internal returns (uint256 credits) {
        vm.prank(who);
        credits = sale.buy{value: reserveIn}(reserveIn, 0);
    }

    /// @dev The backing property: reserve held pays every credit at the sale's rate (no rounding slack).
    function assertBacked() internal view {
        assertGe(sale.reserveHeld() * 1e18, gpuc.totalSupply() * RATE, "reserve covers supply");
    }

    // ---------------------------------------------------------------- deployment

    function test_Deploy_Config() public view {
        assertEq(sale.reserveAsset(), address(0), "ETH reserve");
        assertEq(sale.reservePerCredit(), RATE, "rate");
        assertEq(sale.treasury(), treasury, "treasury");
        assertEq(sale.spreadBps(), SPREAD_BPS, "spread");
        assertEq(sale.owner(), admin, "owner");
        assertEq(GPUCredit(address(sale.credit())).minter(), address(sale), "sale mints");
        assertEq(sale.reserveHeld(), 0, "empty reserve");
    }

    function test_Emits_SpreadChanged_OnDeploy() public {
        vm.expectEmit(true, true, true, true);
        emit ICreditSale.SpreadChanged(0, 77);
        new CreditSale(address(0), RATE, treasury, 77, admin);
    }

    function test_RevertWhen_DeployWithZeroTreasury() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.InvalidConfig.selector, ICreditSale.SaleParam.Treasury));
        new CreditSale(address(0), RATE, address(0), SPREAD_BPS, admin);
    }

    function test_RevertWhen_DeployWithZeroRate() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.InvalidConfig.selector, ICreditSale.SaleParam.ReservePerCredit));
        new CreditSale(address(0), 0, treasury, SPREAD_BPS, admin);
    }

    function test_RevertWhen_DeployWithSpreadAboveCap() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.SpreadTooHigh.selector, 1_001, 1_000));
        new CreditSale(address(0), RATE, treasury, 1_001, admin);
        // The cap itself is allowed.
        CreditSale atCap = new CreditSale(address(0), RATE, treasury, 1_000, admin);
        assertEq(atCap.spreadBps(), 1_000, "cap allowed");
    }

    function test_RevertWhen_DeployWithZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new CreditSale(address(0), RATE, treasury, SPREAD_BPS, address(0));
    }

    // ---------------------------------------------------------------- buy

    function test_Emits_CreditsBought() public {
        // 1 ETH: 0.005 ETH spread, 0.995 ETH at 0.001 ETH per GPUC = 995 GPUC.
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(address(0), buyer, 995e18);
        vm.expectEmit(true, true, true, true, address(sale));
        emit ICreditSale.CreditsBought(buyer, 1 ether, 995e18, 0.005 ether);
        vm.prank(buyer);
        uint256 credits = sale.buy{value: 1 ether}(1 ether, 995e18);
        assertEq(credits, 995e18, "returned credits");
    }

    function test_Buy_MovesExactAmounts() public {
        uint256 supplyBefore = gpuc.totalSupply();
        buyAs(buyer, 1 ether);
        assertEq(buyer.balance, 99 ether, "buyer paid");
        assertEq(gpuc.balanceOf(buyer), 995e18, "credits minted");
        assertEq(gpuc.totalSupply(), supplyBefore + 995e18, "supply");
        assertEq(address(sale).balance, 1 ether, "sale holds the payment");
        assertEq(sale.spreadAccrued(), 0.005 ether, "spread accrued");
        assertEq(sale.reserveHeld(), 0.995 ether, "reserve = payment less spread");
        assertBacked();
    }

    function test_RevertWhen_BuyZero() public {
        vm.expectRevert(ICreditSale.ZeroAmount.selector);
        vm.prank(buyer);
        sale.buy{value: 0}(0, 0);
    }

    function test_RevertWhen_EthSentBelowAmount() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.PaymentMismatch.selector, 1 ether - 1, 1 ether));
        vm.prank(buyer);
        sale.buy{value: 1 ether - 1}(1 ether, 0);
        assertEq(buyer.balance, 100 ether, "nothing taken");
        assertEq(gpuc.balanceOf(buyer), 0, "nothing minted");
    }

    function test_RevertWhen_EthSentAboveAmount() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.PaymentMismatch.selector, 1 ether + 1, 1 ether));
        vm.prank(buyer);
        sale.buy{value: 1 ether + 1}(1 ether, 0);
    }

    function test_RevertWhen_BuyBelowMinCredits() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.SlippageExceeded.selector, 995e18, 995e18 + 1));
        vm.prank(buyer);
        sale.buy{value: 1 ether}(1 ether, 995e18 + 1);
        assertEq(address(sale).balance, 0, "nothing kept");
    }

    function test_RevertWhen_PurchaseMintsNothing() public {
        // A reserve worth more than a credit per wei: 10 wei per credit wei.
        CreditSale dear = new CreditSale(address(0), 1e19, treasury, SPREAD_BPS, admin);
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.AmountTooSmall.selector, 9));
        vm.prank(buyer);
        dear.buy{value: 9}(9, 0);
        // Ten wei is the smallest purchase that mints one credit wei (spread rounds to 0).
        vm.prank(buyer);
        assertEq(dear.buy{value: 10}(10, 0), 1, "one credit wei");
    }

    function test_QuoteBuy_MatchesBuy() public {
        (uint256 quoted, uint256 spread) = sale.quoteBuy(3 ether);
        uint256 credits = buyAs(buyer, 3 ether);
        assertEq(credits, quoted, "quote");
        assertEq(sale.spreadAccrued(), spread, "spread");
    }

    // ---------------------------------------------------------------- redeem

    function test_Emits_CreditsRedeemed() public {
        buyAs(buyer, 1 ether);
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(buyer, address(0), 100e18);
        vm.expectEmit(true, true, true, true, address(sale));
        emit ICreditSale.CreditsRedeemed(buyer, 100e18, 0.1 ether);
        vm.prank(buyer);
        assertEq(sale.redeem(100e18, 0.1 ether), 0.1 ether, "returned reserve");
    }

    function test_Redeem_BurnsAndPays() public {
        buyAs(buyer, 1 ether);
        uint256 ethBefore = buyer.balance;
        vm.prank(buyer);
        sale.redeem(100e18, 0);
        assertEq(buyer.balance, ethBefore + 0.1 ether, "paid at the rate");
        assertEq(gpuc.balanceOf(buyer), 895e18, "credits burnt");
        assertEq(gpuc.totalSupply(), 895e18, "supply");
        assertEq(sale.reserveHeld(), 0.895 ether, "reserve");
        assertEq(sale.spreadAccrued(), 0.005 ether, "spread untouched by redemptions");
        assertBacked();
    }

    function test_RevertWhen_RedeemZero() public {
        vm.expectRevert(ICreditSale.ZeroAmount.selector);
        vm.prank(buyer);
        sale.redeem(0, 0);
    }

    function test_RevertWhen_RedeemBelowMinReserve() public {
        buyAs(buyer, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.SlippageExceeded.selector, 0.1 ether, 0.1 ether + 1));
        vm.prank(buyer);
        sale.redeem(100e18, 0.1 ether + 1);
        assertEq(gpuc.balanceOf(buyer), 995e18, "nothing burnt");
    }

    function test_RevertWhen_RedeemDust() public {
        // 999 credit wei are worth 0.999 wei: rounding favours the reserve, so the sale
        // refuses rather than burn credits for nothing, whatever minReserveOut says.
        buyAs(buyer, 1 ether);
        assertEq(sale.quoteRedeem(999), 0, "dust quotes zero");
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.AmountTooSmall.selector, 999));
        vm.prank(buyer);
        sale.redeem(999, 0);
        assertEq(gpuc.balanceOf(buyer), 995e18, "nothing burnt");
    }

    function test_RevertWhen_RedeemAboveBalance() public {
        buyAs(buyer, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, buyer, 995e18, 995e18 + 1)
        );
        vm.prank(buyer);
        sale.redeem(995e18 + 1, 0);
        assertEq(address(sale).balance, 1 ether, "reserve unchanged");
    }

    function test_RevertWhen_RedeemerRefusesEth() public {
        EthRefuser refuser = new EthRefuser();
        buyAs(buyer, 1 ether);
        vm.prank(buyer);
        assertTrue(gpuc.transfer(address(refuser), 10e18), "transfer");
        vm.expectRevert(Errors.FailedCall.selector);
        vm.prank(address(refuser));
        sale.redeem(10e18, 0);
        assertEq(gpuc.balanceOf(address(refuser)), 10e18, "credits kept: the burn rolled back");
        assertEq(sale.reserveHeld(), 0.995 ether, "reserve kept");
    }

    // ---------------------------------------------------------------- spread

    function test_Emits_SpreadChanged() public {
        vm.expectEmit(true, true, true, true, address(sale));
        emit ICreditSale.SpreadChanged(SPREAD_BPS, 200);
        vm.prank(admin);
        sale.setSpread(200);
        assertEq(sale.spreadBps(), 200, "spread set");
        (, uint256 spread) = sale.quoteBuy(1 ether);
        assertEq(spread, 0.02 ether, "new spread applies");
    }

    function test_SetSpread_ToCapAndZero() public {
        vm.startPrank(admin);
        sale.setSpread(1_000);
        assertEq(sale.spreadBps(), 1_000, "cap");
        sale.setSpread(0);
        vm.stopPrank();
        assertEq(buyAs(buyer, 1 ether), 1_000e18, "no spread: full rate");
        assertEq(sale.spreadAccrued(), 0, "nothing accrued");
    }

    function test_RevertWhen_SpreadAboveCap() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.SpreadTooHigh.selector, 1_001, 1_000));
        vm.prank(admin);
        sale.setSpread(1_001);
        assertEq(sale.spreadBps(), SPREAD_BPS, "unchanged");
    }

    function test_RevertWhen_StrangerSetsSpread() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        sale.setSpread(0);
        assertEq(sale.spreadBps(), SPREAD_BPS, "unchanged");
    }

    function test_Emits_SpreadWithdrawn() public {
        buyAs(buyer, 1 ether);
        uint256 treasuryBefore = treasury.balance;
        vm.expectEmit(true, true, true, true, address(sale));
        emit ICreditSale.SpreadWithdrawn(treasury, 0.005 ether);
        // Anyone may trigger it; only the treasury is paid.
        vm.prank(stranger);
        assertEq(sale.withdrawSpread(), 0.005 ether, "returned amount");
        assertEq(treasury.balance, treasuryBefore + 0.005 ether, "treasury paid");
        assertEq(stranger.balance, 100 ether, "caller paid nothing");
        assertEq(sale.spreadAccrued(), 0, "accrual reset");
        assertEq(sale.reserveHeld(), 0.995 ether, "reserve untouched");
        assertBacked();
    }

    function test_RevertWhen_NothingToWithdraw() public {
        vm.expectRevert(ICreditSale.NothingToWithdraw.selector);
        sale.withdrawSpread();
        buyAs(buyer, 1 ether);
        sale.withdrawSpread();
        vm.expectRevert(ICreditSale.NothingToWithdraw.selector);
        sale.withdrawSpread();
    }

    // ---------------------------------------------------------------- ownership

    function test_RevertWhen_StrangerTransfersOwnership() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        sale.transferOwnership(stranger);
        assertEq(sale.owner(), admin, "owner unchanged");
        assertEq(sale.pendingOwner(), address(0), "no pending owner");
    }

    function test_RevertWhen_StrangerRenouncesOwnership() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        sale.renounceOwnership();
        assertEq(sale.owner(), admin, "owner unchanged");
    }

    function test_OwnershipTransfer_IsTwoStep() public {
        address next = makeAddr("next owner");
        vm.prank(admin);
        sale.transferOwnership(next);
        assertEq(sale.owner(), admin, "not yet");
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        vm.prank(stranger);
        sale.acceptOwnership();
        vm.prank(next);
        sale.acceptOwnership();
        assertEq(sale.owner(), next, "accepted");
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_BuyRedeem_ReserveCoversSupply(uint256 payA, uint256 payB, uint256 spread, uint256 redeemA)
        public
    {
        spread = bound(spread, 0, 1_000);
        vm.prank(admin);
        sale.setSpread(spread);
        payA = bound(payA, 1, 50 ether);
        payB = bound(payB, 1, 50 ether);
        uint256 creditsA = buyAs(buyer, payA);
        buyAs(stranger, payB);
        assertBacked();

        // The smallest redemption worth one wei; anything less is refused as dust.
        uint256 minRedeem = (1e18 + RATE - 1) / RATE;
        vm.assume(creditsA >= minRedeem);
        redeemA = bound(redeemA, minRedeem, creditsA);
        uint256 ethBefore = buyer.balance;
        vm.prank(buyer);
        uint256 out = sale.redeem(redeemA, 0);
        assertEq(out, redeemA * RATE / 1e18, "redeemed at the rate, rounded down");
        assertEq(buyer.balance, ethBefore + out, "paid");
        assertBacked();

        // Every remaining credit worth at least one wei can still be redeemed (less is dust
        // the sale refuses), and the spread still withdrawn.
        uint256 restA = gpuc.balanceOf(buyer);
        uint256 restB = gpuc.balanceOf(stranger);
        if (restA >= minRedeem) {
            vm.prank(buyer);
            sale.redeem(restA, 0);
        }
        if (restB >= minRedeem) {
            vm.prank(stranger);
            sale.redeem(restB, 0);
        }
        assertLt(gpuc.totalSupply(), 2 * minRedeem, "only dust is left");
        assertBacked();
        if (sale.spreadAccrued() != 0) sale.withdrawSpread();
        assertEq(sale.spreadAccrued(), 0, "spread paid");
    }

    // ---------------------------------------------------------------- excess reserve (issue 14, 5)

    /// @notice Credits burnt outside redemption (the escrow's protocol burns) leave their reserve
    /// behind; the treasury sweeps exactly the excess and every remaining credit stays redeemable.
    function test_SweepExcessReserve_AfterBurn_ReserveStillCoversSupply() public {
        uint256 credits = buyAs(buyer, 1 ether);
        vm.prank(buyer);
        gpuc.burn(credits / 4);
        uint256 supply = gpuc.totalSupply();
        uint256 needed = (supply * RATE + 1e18 - 1) / 1e18;
        uint256 excess = sale.reserveHeld() - needed;
        assertGt(excess, 0, "the burn left reserve behind");
        assertEq(sale.excessReserve(), excess, "view");
        uint256 treasuryBefore = treasury.balance;
        vm.expectEmit(true, true, true, true, address(sale));
        emit ICreditSale.ExcessReserveSwept(treasury, excess, needed, supply);
        vm.prank(stranger); // anyone may trigger it; the treasury is paid
        assertEq(sale.sweepExcessReserve(), excess, "swept");
        assertEq(treasury.balance, treasuryBefore + excess, "to the treasury");
        assertEq(sale.reserveHeld(), needed, "exactly what the supply needs is left");
        assertBacked();
        // Nothing more to sweep, and the whole supply still redeems.
        vm.expectRevert(ICreditSale.NothingToWithdraw.selector);
        sale.sweepExcessReserve();
        uint256 rest = gpuc.balanceOf(buyer);
        vm.prank(buyer);
        sale.redeem(rest, 0);
        assertEq(gpuc.totalSupply(), 0, "all redeemed");
        assertLe(sale.reserveHeld(), 1, "at most a rounding wei left");
    }

    function test_SweepExcessReserve_LeavesSpreadAlone() public {
        buyAs(buyer, 1 ether);
        uint256 spread = sale.spreadAccrued();
        assertGt(spread, 0, "spread accrued");
        // No burn: only rounding dust (below one credit's worth) can be excess.
        assertLe(sale.excessReserve(), 1, "no real excess without a burn");
        vm.prank(buyer);
        gpuc.burn(1e18);
        sale.sweepExcessReserve();
        assertEq(sale.spreadAccrued(), spread, "spread untouched");
        sale.withdrawSpread();
        assertBacked();
    }

    function testFuzz_SweepExcessReserve_NeverUnderBacks(uint256 reserveIn, uint256 burnt) public {
        reserveIn = bound(reserveIn, 1e15, 50 ether);
        uint256 credits = buyAs(buyer, reserveIn);
        burnt = bound(burnt, 0, credits);
        if (burnt != 0) {
            vm.prank(buyer);
            gpuc.burn(burnt);
        }
        if (sale.excessReserve() != 0) sale.sweepExcessReserve();
        assertBacked();
        assertEq(sale.excessReserve(), 0, "nothing left to sweep");
    }
}
