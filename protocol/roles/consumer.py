"""The consumer: buys credits, opens jobs with a budget, and gets unused budget back."""

from __future__ import annotations

import secrets
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from protocol.amounts import reserve_for_credits
from protocol.client import JobRef
from protocol.contracts import BoundContract
from protocol.deploy_config import ETH_RESERVE
from protocol.errors import InvalidInput
from protocol.job_spec import spec_hash
from protocol.job_windows import DEFAULT_ACCEPT_WINDOW, DEFAULT_RUN_WINDOW
from protocol.roles.base import Role, require_non_negative
from protocol.tx.sender import MinedTx
from protocol.typed_data import JobTerms, job_id
from protocol.views import Balances

__all__ = ["Consumer", "OpenedJob", "Purchase", "Redemption"]


class Purchase(BaseModel):
    model_config = ConfigDict(frozen=True)

    reserve_in: int
    credits: int
    spread: int
    tx: MinedTx


class Redemption(BaseModel):
    model_config = ConfigDict(frozen=True)

    credits: int
    reserve_out: int
    tx: MinedTx


class OpenedJob(BaseModel):
    model_config = ConfigDict(frozen=True)

    terms: JobTerms
    job_id: bytes
    tx: MinedTx


class Consumer(Role):
    """Pays for jobs. Amounts are wei (GPUC has 18 decimals, like ETH)."""

    # ------------------------------------------------------------------ credits

    def quote_buy(self, reserve_in: int) -> tuple[int, int]:
        """(credits, spread) that ``reserve_in`` of the reserve asset buys now."""
        require_non_negative(reserve_in, "reserve amount")
        credits, spread = self.contracts.sale.read("quoteBuy", reserve_in)
        return int(credits), int(spread)

    def reserve_for(self, credits: int) -> int:
        """Reserve (ETH wei for an ETH sale) that buys at least ``credits``."""
        sale = self.contracts.sale
        return reserve_for_credits(
            credits, int(sale.read("reservePerCredit")), int(sale.read("spreadBps"))
        )

    def buy_credits(self, reserve_in: int, *, min_credits: int | None = None) -> Purchase:
        """Pay ``reserve_in`` and mint credits; reverts (before sending) below ``min_credits``.

        ``min_credits`` defaults to the current quote, so a spread raised in between
        cannot silently give fewer credits.
        """
        require_non_negative(reserve_in, "reserve amount")
        if min_credits is None:
            min_credits = self.quote_buy(reserve_in)[0]
        sale = self.contracts.sale
        asset = str(sale.read("reserveAsset"))
        if asset == ETH_RESERVE:
            request = sale.tx("buy", reserve_in, min_credits, value=reserve_in)
        else:
            self._approve_reserve(asset, reserve_in)
            request = sale.tx("buy", reserve_in, min_credits)
        mined = self.sender.send(request)
        event = sale.events(mined.receipt, "CreditsBought")[0]
        return Purchase(
            reserve_in=int(event["reserveIn"]),
            credits=int(event["credits"]),
            spread=int(event["spread"]),
            tx=mined,
        )

    def buy_exact_credits(self, credits: int) -> Purchase:
        """Buy at least ``credits`` (pays the spread on top)."""
        reserve_in = self.reserve_for(credits)
        return self.buy_credits(reserve_in, min_credits=credits)

    def redeem(self, credits: int, *, min_reserve_out: int | None = None) -> Redemption:
        """Burn ``credits`` and receive the reserve at the sale's rate."""
        require_non_negative(credits, "credits")
        sale = self.contracts.sale
        if min_reserve_out is None:
            min_reserve_out = int(sale.read("quoteRedeem", credits))
        mined = self.sender.send(sale.tx("redeem", credits, min_reserve_out))
        event = sale.events(mined.receipt, "CreditsRedeemed")[0]
        return Redemption(
            credits=int(event["credits"]), reserve_out=int(event["reserveOut"]), tx=mined
        )

    def balance(self, address: str | None = None) -> Balances:
        return self.protocol.balances(address or self.address)

    def _approve_reserve(self, asset: str, amount: int) -> None:
        # An ERC-20 reserve: GPUCredit's ABI has every ERC-20 function.
        token = BoundContract(self.protocol.w3, "GPUCredit", asset)
        self.ensure_allowance(token, self.contracts.sale.address, amount)

    # ------------------------------------------------------------------ jobs

    def new_terms(
        self,
        *,
        provider: str,
        budget: int,
        price_per_unit: int,
        spec: bytes | dict[str, Any],
        accept_within: int = DEFAULT_ACCEPT_WINDOW,
        run_within: int = DEFAULT_RUN_WINDOW,
        salt: int | None = None,
    ) -> JobTerms:
        """Terms with deadlines counted from the chain's current time and a random salt."""
        now = self.protocol.now()
        spec_bytes = spec_hash(spec) if isinstance(spec, dict) else spec
        # Receipts and verdicts carry units as uint64: JobEscrow refuses (TooManyUnits) terms
        # whose budget pays for more.
        if price_per_unit > 0 and budget // price_per_unit >= 2**64:
            raise InvalidInput(
                f"job terms: budget / price_per_unit = {budget // price_per_unit} units does not "
                f"fit uint64 (at most {2**64 - 1}): raise the price per unit"
            )
        try:
            return JobTerms(
                consumer=self.address,
                provider=provider,
                budget=budget,
                price_per_unit=price_per_unit,
                accept_deadline=now + accept_within,
                deadline=now + run_within,
                spec=spec_bytes,
                salt=secrets.randbits(256) if salt is None else salt,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise InvalidInput(f"job terms: {field}: {first['msg']}") from None

    def open_job(self, terms: JobTerms, *, use_permit: bool = True) -> OpenedJob:
        """Lock the budget and open the job (with an ERC-2612 permit unless told not to)."""
        escrow = self.contracts.escrow
        if use_permit:
            p = self.permit(escrow.address, terms.budget)
            request = escrow.tx("openWithPermit", terms.as_tuple(), p.deadline, p.v, p.r, p.s)
        else:
            self.ensure_allowance(self.contracts.credit, escrow.address, terms.budget)
            request = escrow.tx("open", terms.as_tuple())
        mined = self.sender.send(request)
        return OpenedJob(terms=terms, job_id=job_id(terms), tx=mined)

    def open_accepted(
        self, terms: JobTerms, acceptance: bytes, *, use_permit: bool = True
    ) -> OpenedJob:
        """Open and accept in one transaction: ``acceptance`` is the provider's signature
        over these exact terms (``Provider.sign_acceptance``), given off chain with its quote.
        The budget moves by permit unless told not to; the provider's collateral is locked."""
        escrow = self.contracts.escrow
        if len(acceptance) != 65:
            raise InvalidInput(f"acceptance must be a 65-byte signature, got {len(acceptance)}")
        if use_permit:
            p = self.permit(escrow.address, terms.budget)
            request = escrow.tx(
                "openAcceptedWithPermit", terms.as_tuple(), acceptance, p.deadline, p.v, p.r, p.s
            )
        else:
            self.ensure_allowance(self.contracts.credit, escrow.address, terms.budget)
            request = escrow.tx("openAccepted", terms.as_tuple(), acceptance)
        mined = self.sender.send(request)
        return OpenedJob(terms=terms, job_id=job_id(terms), tx=mined)

    def cancel(self, job: JobRef) -> MinedTx:
        """Take back the budget of a job no provider accepted yet (then claim())."""
        return self.sender.send(self.contracts.escrow.tx("cancel", self.terms(job).as_tuple()))

    def refund(self, job: JobRef) -> MinedTx:
        """Refund a job not accepted in time (a dispute ends by verdict or ``finalize``)."""
        return self.sender.send(self.contracts.escrow.tx("refund", self.terms(job).as_tuple()))

    def dispute_bond(self, job: JobRef) -> int:
        """The bond a dispute of ``job`` costs (credit wei): back only if a fault is proven."""
        return int(self.contracts.escrow.read("disputeBondFor", self.terms(job).budget))

    def dispute(self, job: JobRef) -> MinedTx:
        """Dispute a delivered receipt inside the dispute window, posting the dispute bond
        (approved here first). The bond goes to the provider unless the verdict proves a
        fault; without a verdict in the verdict window the receipt stands (docs/disputes.md)."""
        terms = self.terms(job)
        escrow = self.contracts.escrow
        bond = int(escrow.read("disputeBondFor", terms.budget))
        self.ensure_allowance(self.contracts.credit, escrow.address, bond)
        return self.sender.send(escrow.tx("dispute", terms.as_tuple()))
