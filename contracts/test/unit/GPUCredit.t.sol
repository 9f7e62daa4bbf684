// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Fixture} from "../utils/Fixture.sol";
import {PermitSigning} from "./PermitSigning.sol";
import {IGPUCredit} from "../../src/interfaces/IGPUCredit.sol";

contract GPUCreditTest is Fixture, PermitSigning {
    uint256 internal constant FUNDS = 500e18;

    function setUp() public override {
        super.setUp();
        // Token-level tests: mint an exact amount as the sale would (fund() adds rounding dust).
        vm.prank(address(sale));
        gpuc.mint(consumer, FUNDS);
    }

    function test_Metadata() public view {
        assertEq(keccak256(bytes(gpuc.name())), keccak256("GPU Credit"), "name");
        assertEq(keccak256(bytes(gpuc.symbol())), keccak256("GPUC"), "symbol");
        assertEq(gpuc.decimals(), 18, "decimals");
        assertEq(gpuc.minter(), address(sale), "the credit sale is the only minter");
    }

    function test_DomainSeparator_IsEip712OfTheToken() public view {
        bytes32 expected = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("GPU Credit"),
                keccak256("1"),
                block.chainid,
                address(gpuc)
            )
        );
        assertEq(gpuc.DOMAIN_SEPARATOR(), expected, "domain separator");
    }

    // ---------------------------------------------------------------- minter

    function test_RevertWhen_StrangerMints() public {
        uint256 supply = gpuc.totalSupply();
        vm.expectRevert(abi.encodeWithSelector(IGPUCredit.NotMinter.selector, stranger, address(sale)));
        vm.prank(stranger);
        gpuc.mint(stranger, 1e18);
        assertEq(gpuc.totalSupply(), supply, "supply unchanged");
        assertEq(gpuc.balanceOf(stranger), 0, "nothing minted");
    }

    function test_RevertWhen_SaleOwnerMints() public {
        // Owning the sale gives no mint right: only the sale contract itself mints.
        vm.expectRevert(abi.encodeWithSelector(IGPUCredit.NotMinter.selector, admin, address(sale)));
        vm.prank(admin);
        gpuc.mint(admin, 1e18);
        assertEq(gpuc.balanceOf(admin), 0, "nothing minted");
    }

    function test_RevertWhen_StrangerMinterBurns() public {
        uint256 bal = gpuc.balanceOf(consumer);
        uint256 supply = gpuc.totalSupply();
        vm.expectRevert(abi.encodeWithSelector(IGPUCredit.NotMinter.selector, stranger, address(sale)));
        vm.prank(stranger);
        gpuc.minterBurn(consumer, 1e18);
        assertEq(gpuc.balanceOf(consumer), bal, "balance unchanged");
        assertEq(gpuc.totalSupply(), supply, "supply unchanged");
    }

    function test_Emits_Transfer_OnMint() public {
        uint256 supply = gpuc.totalSupply();
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(address(0), stranger, 7e18);
        vm.prank(address(sale));
        gpuc.mint(stranger, 7e18);
        assertEq(gpuc.balanceOf(stranger), 7e18, "minted");
        assertEq(gpuc.totalSupply(), supply + 7e18, "supply grew");
    }

    function test_Emits_Transfer_OnMinterBurn() public {
        uint256 supply = gpuc.totalSupply();
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(consumer, address(0), 3e18);
        vm.prank(address(sale));
        gpuc.minterBurn(consumer, 3e18);
        assertEq(gpuc.balanceOf(consumer), FUNDS - 3e18, "burnt from the account");
        assertEq(gpuc.totalSupply(), supply - 3e18, "supply shrank");
    }

    function test_RevertWhen_MinterBurnExceedsBalance() public {
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, consumer, FUNDS, FUNDS + 1)
        );
        vm.prank(address(sale));
        gpuc.minterBurn(consumer, FUNDS + 1);
    }

    // ---------------------------------------------------------------- holders

    function test_Burn_OwnCredits() public {
        uint256 supply = gpuc.totalSupply();
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Transfer(consumer, address(0), 10e18);
        vm.prank(consumer);
        gpuc.burn(10e18);
        assertEq(gpuc.balanceOf(consumer), FUNDS - 10e18, "balance");
        assertEq(gpuc.totalSupply(), supply - 10e18, "supply");
    }

    function test_RevertWhen_BurnExceedsBalance() public {
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, consumer, FUNDS, FUNDS + 1)
        );
        vm.prank(consumer);
        gpuc.burn(FUNDS + 1);
        assertEq(gpuc.balanceOf(consumer), FUNDS, "unchanged");
    }

    function test_RevertWhen_TransferExceedsBalance() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, stranger, 0, 1));
        vm.prank(stranger);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        gpuc.transfer(consumer, 1);
    }

    function test_RevertWhen_TransferFromWithoutAllowance() public {
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, stranger, 0, 1e18));
        vm.prank(stranger);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        gpuc.transferFrom(consumer, stranger, 1e18);
        assertEq(gpuc.balanceOf(consumer), FUNDS, "unchanged");
    }

    function test_RevertWhen_TransferFromAboveAllowance() public {
        vm.prank(consumer);
        gpuc.approve(stranger, 5e18);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, stranger, 5e18, 5e18 + 1)
        );
        vm.prank(stranger);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        gpuc.transferFrom(consumer, stranger, 5e18 + 1);
        assertEq(gpuc.allowance(consumer, stranger), 5e18, "allowance unchanged");
    }

    // ---------------------------------------------------------------- permit

    function test_Emits_Approval_OnPermit() public {
        uint256 deadline = block.timestamp + 1 hours;
        SignedPermit memory p = signPermit(gpuc, consumerKey, stranger, 42e18, deadline);
        vm.expectEmit(true, true, true, true, address(gpuc));
        emit IERC20.Approval(consumer, stranger, 42e18);
        // Anyone may submit the owner's signature.
        vm.prank(stranger);
        gpuc.permit(consumer, stranger, 42e18, deadline, p.v, p.r, p.s);
        assertEq(gpuc.allowance(consumer, stranger), 42e18, "allowance");
        assertEq(gpuc.nonces(consumer), 1, "nonce used");
    }

    function test_Permit_AtDeadline() public {
        uint256 deadline = block.timestamp + 1 hours;
        SignedPermit memory p = signPermit(gpuc, consumerKey, stranger, 1e18, deadline);
        vm.warp(deadline);
        gpuc.permit(consumer, stranger, 1e18, deadline, p.v, p.r, p.s);
        assertEq(gpuc.allowance(consumer, stranger), 1e18, "still valid exactly at its deadline");
    }

    function test_RevertWhen_PermitExpired() public {
        uint256 deadline = block.timestamp + 1 hours;
        SignedPermit memory p = signPermit(gpuc, consumerKey, stranger, 1e18, deadline);
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612ExpiredSignature.selector, deadline));
        gpuc.permit(consumer, stranger, 1e18, deadline, p.v, p.r, p.s);
        assertEq(gpuc.allowance(consumer, stranger), 0, "no allowance");
        assertEq(gpuc.nonces(consumer), 0, "nonce untouched");
    }

    function test_RevertWhen_PermitSignedByAnotherKey() public {
        uint256 strangerKey = uint256(keccak256("stranger"));
        uint256 deadline = block.timestamp + 1 hours;
        // The stranger signs a permit naming the consumer as owner.
        bytes32 digest = permitDigest(gpuc, consumer, stranger, 1e18, 0, deadline);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(strangerKey, digest);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, stranger, consumer));
        gpuc.permit(consumer, stranger, 1e18, deadline, v, r, s);
        assertEq(gpuc.allowance(consumer, stranger), 0, "no allowance");
    }

    function test_RevertWhen_PermitReplayed() public {
        uint256 deadline = block.timestamp + 1 hours;
        SignedPermit memory p = signPermit(gpuc, consumerKey, stranger, 1e18, deadline);
        gpuc.permit(consumer, stranger, 1e18, deadline, p.v, p.r, p.s);
        vm.prank(stranger);
        assertTrue(gpuc.transferFrom(consumer, stranger, 1e18), "spend the permit");
        // Under the next nonce the same signature recovers some unrelated address.
        address recovered = ecrecover(permitDigest(gpuc, consumer, stranger, 1e18, 1, deadline), p.v, p.r, p.s);
        vm.expectRevert(abi.encodeWithSelector(ERC20Permit.ERC2612InvalidSigner.selector, recovered, consumer));
        gpuc.permit(consumer, stranger, 1e18, deadline, p.v, p.r, p.s);
        assertEq(gpuc.allowance(consumer, stranger), 0, "allowance spent, not renewed");
    }

    function testFuzz_Permit_SetsExactAllowance(uint256 value, uint256 ttl) public {
        ttl = bound(ttl, 0, 365 days);
        uint256 deadline = block.timestamp + ttl;
        SignedPermit memory p = signPermit(gpuc, consumerKey, stranger, value, deadline);
        gpuc.permit(consumer, stranger, value, deadline, p.v, p.r, p.s);
        assertEq(gpuc.allowance(consumer, stranger), value, "allowance");
        assertEq(gpuc.nonces(consumer), 1, "nonce");
    }
}
