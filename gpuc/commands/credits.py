"""gpuc credits: buy, redeem, balance, claim."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from gpuc.context import cli_command, state
from gpuc.options import NEGATIVE_OK, amount, tx_fields
from gpuc.parsing import parse_address, parse_amount

if TYPE_CHECKING:  # imported where used: `gpuc credits CMD --help` must not load web3
    from protocol.roles import Consumer

app = typer.Typer(help="Buy and redeem GPUC credits; see balances; claim what the escrow owes.")


def _consumer() -> Consumer:
    from protocol.roles import Consumer

    s = state()
    return Consumer(s.protocol(), s.wallet())


@app.command(context_settings=NEGATIVE_OK)
@cli_command
def buy(
    amount_text: Annotated[str, typer.Argument(metavar="AMOUNT", help="GPUC to buy, e.g. 100.")],
    pay_eth: Annotated[
        bool, typer.Option("--pay-eth", help="AMOUNT is the ETH to spend, not GPUC to get.")
    ] = False,
) -> None:
    """Buy credits with the sale's reserve asset (the spread goes to the treasury)."""
    out = state().output
    wei = parse_amount(amount_text, "ETH amount" if pay_eth else "GPUC amount")
    consumer = _consumer()
    with out.waiting("buying credits"):
        purchase = consumer.buy_credits(wei) if pay_eth else consumer.buy_exact_credits(wei)
    out.result(
        {
            **amount("credits", purchase.credits),
            **amount("paid", purchase.reserve_in, "ETH"),
            **amount("spread", purchase.spread, "ETH"),
            **tx_fields(purchase.tx),
        },
        title="credits bought",
    )


@app.command(context_settings=NEGATIVE_OK)
@cli_command
def redeem(
    amount_text: Annotated[str, typer.Argument(metavar="AMOUNT", help="GPUC to redeem.")],
) -> None:
    """Burn credits and receive the reserve back at the sale's rate."""
    out = state().output
    wei = parse_amount(amount_text, "GPUC amount")
    consumer = _consumer()
    with out.waiting("redeeming credits"):
        redemption = consumer.redeem(wei)
    out.result(
        {
            **amount("credits", redemption.credits),
            **amount("received", redemption.reserve_out, "ETH"),
            **tx_fields(redemption.tx),
        },
        title="credits redeemed",
    )


@app.command()
@cli_command
def balance(
    address: Annotated[
        str | None, typer.Argument(help="Account to show (default: your key's).")
    ] = None,
) -> None:
    """ETH, GPUC and what the escrow owes an account."""
    out = state().output
    s = state()
    who = parse_address(address) if address else s.wallet().address
    b = s.protocol().balances(who)
    out.result(
        {
            "address": who,
            **amount("eth", b.eth, "ETH"),
            **amount("credits", b.credits),
            **amount("claimable", b.claimable),
        },
        title="balance",
    )


@app.command()
@cli_command
def claim() -> None:
    """Pull what the escrow owes you (payments, refunds, compensation)."""
    out = state().output
    consumer = _consumer()
    with out.waiting("claiming"):
        claimed, mined = consumer.claim()
    out.result({**amount("claimed", claimed), **tx_fields(mined)}, title="claimed")
