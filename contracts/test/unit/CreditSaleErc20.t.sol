// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Test} from "../utils/Test.sol";
import {MockFeeOnTransferToken} from "../mocks/MockFeeOnTransferToken.sol";
import {MockStablecoin} from "../mocks/MockStablecoin.sol";
import {CreditSale} from "../../src/CreditSale.sol";
import {GPUCredit} from "../../src/GPUCredit.sol";
import {ICreditSale} from "../../src/interfaces/ICreditSale.sol";

/// @notice CreditSale with an ERC-20 reserve: a 6-decimal stablecoin at 1 GPUC = 0.01 mUSD,
/// and a fee-on-transfer reserve that must never leave credits under-backed.
contract CreditSaleErc20Test is Test {
    uint256 internal constant RATE = 1e4; // 0.01 mUSD (6 decimals) per 1e18 credit wei
    uint256 internal constant SPREAD_BPS = 50;
    uint256 internal constant FOT_BPS = 100; // 1 % fee on every transfer

    MockStablecoin internal usd;
    CreditSale internal sale;
    GPUCredit internal gpuc;
    MockFeeOnTransferToken internal fot;
    CreditSale internal fotSale;
    GPUCredit internal fotCredit;

    address internal admin;
    address internal treasury;
    address internal buyer;
    address internal other;

    function setUp() public {
        admin = makeAddr("admin");
        treasury = makeAddr("treasury");
        buyer = makeAddr("buyer");
        other = makeAddr("other");

        usd = new MockStablecoin();
        sale = new CreditSale(address(usd), RATE, treasury, SPREAD_BPS, admin);
        gpuc = GPUCredit(address(sale.credit()));
        fot = new MockFeeOnTransferToken(FOT_BPS);
        fotSale = new CreditSale(address(fot), RATE, treasury, SPREAD_BPS, admin);
        fotCredit = GPUCredit(address(fotSale.credit()));

        for (uint256 i = 0; i < 2; ++i) {
            address who = i == 0 ? buyer : other;
            usd.mint(who, 1_000_000e6);
            fot.mint(who, 1_000_000e6);
            vm.startPrank(who);
            usd.approve(address(sale), type(uint256).max);
            fot.approve(address(fotSale), type(uint256).max);
            vm.stopPrank();
        }
    }

    function buyAs(CreditSale s, address who, uint256 reserveIn) internal returns (uint256 credits) {
        vm.prank(who);
        credits = s.buy(reserveIn, 0);
    }

    function assertBacked(CreditSale s) internal view {
        assertGe(s.reserveHeld() * 1e18, GPUCredit(address(s.credit())).totalSupply() * RATE, "reserve covers supply");
    }

    // ---------------------------------------------------------------- stablecoin reserve

    function test_Deploy_Config() public view {
        assertEq(usd.decimals(), 6, "6-decimal reserve");
        assertEq(sale.reserveAsset(), address(usd), "reserve asset");
        assertEq(sale.reservePerCredit(), RATE, "rate");
        assertEq(gpuc.minter(), address(sale), "minter");
    }

    function test_Emits_CreditsBought() public {
        // 100 mUSD: 0.5 mUSD spread, 99.5 mUSD at 0.01 per GPUC = 9,950 GPUC.
        vm.expectEmit(true, true, true, true, address(usd));
        emit IERC20.Transfer(buyer, address(sale), 100e6);
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(address(0), buyer, 9_950e18);
        vm.expectEmit(true, true, true, true, address(sale));
        emit ICreditSale.CreditsBought(buyer, 100e6, 9_950e18, 0.5e6);
        vm.prank(buyer);
        assertEq(sale.buy(100e6, 9_950e18), 9_950e18, "credits");
    }

    function test_Buy_MovesExactAmounts() public {
        buyAs(sale, buyer, 100e6);
        assertEq(usd.balanceOf(buyer), 1_000_000e6 - 100e6, "buyer paid");
        assertEq(usd.balanceOf(address(sale)), 100e6, "sale holds it");
        assertEq(gpuc.balanceOf(buyer), 9_950e18, "credits");
        assertEq(gpuc.totalSupply(), 9_950e18, "supply");
        assertEq(sale.spreadAccrued(), 0.5e6, "spread");
        assertEq(sale.reserveHeld(), 99.5e6, "reserve");
        assertBacked(sale);
    }

    function test_RevertWhen_EthSentToErc20Sale() public {
        vm.deal(buyer, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.PaymentMismatch.selector, 1, 0));
        vm.prank(buyer);
        sale.buy{value: 1}(100e6, 0);
        assertEq(usd.balanceOf(address(sale)), 0, "nothing taken");
    }

    function test_RevertWhen_BuyZero() public {
        vm.expectRevert(ICreditSale.ZeroAmount.selector);
        vm.prank(buyer);
        sale.buy(0, 0);
    }

    function test_RevertWhen_ReserveNotApproved() public {
        address poor = makeAddr("unapproved");
        usd.mint(poor, 100e6);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(sale), 0, 100e6)
        );
        vm.prank(poor);
        sale.buy(100e6, 0);
        assertEq(gpuc.balanceOf(poor), 0, "nothing minted");
    }

    function test_RevertWhen_ReserveBalanceShort() public {
        address poor = makeAddr("poor");
        usd.mint(poor, 5e6);
        vm.prank(poor);
        usd.approve(address(sale), 100e6);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, poor, 5e6, 100e6));
        vm.prank(poor);
        sale.buy(100e6, 0);
    }

    function test_RevertWhen_BuyBelowMinCredits() public {
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.SlippageExceeded.selector, 9_950e18, 9_951e18));
        vm.prank(buyer);
        sale.buy(100e6, 9_951e18);
    }

    function test_RevertWhen_PurchaseMintsNothing() public {
        // A reserve unit worth less than a credit wei: 2 units per credit wei.
        CreditSale dear = new CreditSale(address(usd), 2e18, treasury, 0, admin);
        vm.prank(buyer);
        usd.approve(address(dear), 2);
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.AmountTooSmall.selector, 1));
        vm.prank(buyer);
        dear.buy(1, 0);
        vm.prank(buyer);
        assertEq(dear.buy(2, 0), 1, "two units mint one credit wei");
    }

    function test_Emits_CreditsRedeemed() public {
        buyAs(sale, buyer, 100e6);
        vm.expectEmit(true, true, true, true, address(sale));
        emit ICreditSale.CreditsRedeemed(buyer, 100e18, 1e6);
        vm.expectEmit(true, true, true, true, address(usd));
        emit IERC20.Transfer(address(sale), buyer, 1e6);
        vm.prank(buyer);
        assertEq(sale.redeem(100e18, 1e6), 1e6, "1 mUSD for 100 GPUC");
        assertEq(gpuc.totalSupply(), 9_850e18, "burnt");
        assertEq(sale.reserveHeld(), 98.5e6, "reserve");
        assertBacked(sale);
    }

    function test_RevertWhen_RedeemBelowMinReserve() public {
        buyAs(sale, buyer, 100e6);
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.SlippageExceeded.selector, 1e6, 1e6 + 1));
        vm.prank(buyer);
        sale.redeem(100e18, 1e6 + 1);
    }

    function test_Redeem_DustRoundsToZeroReserve() public {
        // One reserve unit buys 1e14 credit wei; less than that is worth 0 units (reserve favoured).
        buyAs(sale, buyer, 100e6);
        assertEq(sale.quoteRedeem(1e14 - 1), 0, "dust");
        assertEq(sale.quoteRedeem(1e14), 1, "one unit");
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.AmountTooSmall.selector, 1e14 - 1));
        vm.prank(buyer);
        sale.redeem(1e14 - 1, 0);
    }

    function test_Emits_SpreadWithdrawn() public {
        buyAs(sale, buyer, 100e6);
        vm.expectEmit(true, true, true, true, address(sale));
        emit ICreditSale.SpreadWithdrawn(treasury, 0.5e6);
        vm.prank(other);
        sale.withdrawSpread();
        assertEq(usd.balanceOf(treasury), 0.5e6, "treasury paid in the reserve asset");
        assertEq(sale.reserveHeld(), 99.5e6, "reserve untouched");
    }

    function test_RevertWhen_NothingToWithdraw() public {
        vm.expectRevert(ICreditSale.NothingToWithdraw.selector);
        sale.withdrawSpread();
    }

    function test_Donation_OnlyOverBacks() public {
        buyAs(sale, buyer, 100e6);
        vm.prank(other);
        assertTrue(usd.transfer(address(sale), 7e6), "donation");
        assertEq(sale.reserveHeld(), 106.5e6, "donation counts as reserve");
        assertEq(gpuc.totalSupply(), 9_950e18, "no credits for it");
        assertBacked(sale);
    }

    function testFuzz_BuyRedeem_ReserveCoversSupply(uint256 payA, uint256 payB, uint256 redeemA) public {
        payA = bound(payA, 1, 100_000e6);
        payB = bound(payB, 1, 100_000e6);
        uint256 creditsA = buyAs(sale, buyer, payA);
        buyAs(sale, other, payB);
        assertBacked(sale);
        vm.assume(creditsA >= 1e14); // one reserve unit's worth; less is refused as dust
        redeemA = bound(redeemA, 1e14, creditsA);
        vm.prank(buyer);
        uint256 out = sale.redeem(redeemA, 0);
        assertEq(out, redeemA * RATE / 1e18, "rate, rounded down");
        assertBacked(sale);
    }

    // ---------------------------------------------------------------- fee-on-transfer reserve

    function test_FeeOnTransfer_MintsForWhatArrived() public {
        // 100 fUSD sent, 1 % burnt in transit: 99 arrive; spread 0.495; 98.505 fUSD = 9,850.5 GPUC.
        vm.expectEmit(true, true, true, true, address(fotSale));
        emit ICreditSale.CreditsBought(buyer, 99e6, 9_850.5e18, 0.495e6);
        vm.prank(buyer);
        uint256 credits = fotSale.buy(100e6, 0);
        assertEq(credits, 9_850.5e18, "credits for the arrived amount");
        assertEq(fot.balanceOf(address(fotSale)), 99e6, "what arrived");
        assertEq(fotSale.reserveHeld(), 98.505e6, "reserve");
        // Exactly backed: the naive 9,950 GPUC (for the amount named) would need 99.5 fUSD.
        assertEq(fotSale.reserveHeld() * 1e18, fotCredit.totalSupply() * RATE, "backed to the unit");
    }

    function test_RevertWhen_FeeOnTransferShortfallBreaksMinCredits() public {
        // A buyer that quotes the amount it sends is protected by minCredits.
        (uint256 naive,) = fotSale.quoteBuy(100e6);
        vm.expectRevert(abi.encodeWithSelector(ICreditSale.SlippageExceeded.selector, 9_850.5e18, naive));
        vm.prank(buyer);
        fotSale.buy(100e6, naive);
    }

    function test_FeeOnTransfer_EveryCreditRedeemable() public {
        buyAs(fotSale, buyer, 100e6);
        buyAs(fotSale, other, 33e6);
        uint256 a = fotCredit.balanceOf(buyer);
        uint256 b = fotCredit.balanceOf(other);
        vm.prank(buyer);
        fotSale.redeem(a, 0);
        vm.prank(other);
        fotSale.redeem(b, 0);
        assertEq(fotCredit.totalSupply(), 0, "all redeemed");
        // The spread is still there for the treasury: redemptions never ate into it.
        uint256 spread = fotSale.spreadAccrued();
        assertGe(fot.balanceOf(address(fotSale)), spread, "spread still held");
        fotSale.withdrawSpread();
        assertEq(fotSale.reserveHeld(), fot.balanceOf(address(fotSale)), "only rounding dust left");
    }

    function testFuzz_FeeOnTransfer_NeverUnderBacked(uint256 payA, uint256 payB, uint256 redeemA, uint256 spread)
        public
    {
        spread = bound(spread, 0, 1_000);
        vm.prank(admin);
        fotSale.setSpread(spread);
        payA = bound(payA, 101, 100_000e6); // at least one unit arrives after the 1 % fee
        payB = bound(payB, 101, 100_000e6);
        uint256 creditsA = buyAs(fotSale, buyer, payA);
        buyAs(fotSale, other, payB);
        assertBacked(fotSale);
        vm.assume(creditsA >= 1e14); // one reserve unit's worth; less is refused as dust
        redeemA = bound(redeemA, 1e14, creditsA);
        vm.prank(buyer);
        fotSale.redeem(redeemA, 0);
        assertBacked(fotSale);
        uint256 restA = fotCredit.balanceOf(buyer);
        uint256 restB = fotCredit.balanceOf(other);
        if (restA >= 1e14) {
            vm.prank(buyer);
            fotSale.redeem(restA, 0);
        }
        if (restB >= 1e14) {
            vm.prank(other);
            fotSale.redeem(restB, 0);
        }
        assertLt(fotCredit.totalSupply(), 2e14, "only dust is left");
        assertBacked(fotSale);
        assertGe(fot.balanceOf(address(fotSale)), fotSale.spreadAccrued(), "spread still covered");
    }
}
