"""The provider: stakes collateral, accepts jobs, signs and commits receipts, gets paid.

Getting paid is three steps: the job settles (committee verdict, or ``finalize`` after an
undisputed window), ``pay_out`` credits its money (batched, see Role), ``claim`` pulls it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from protocol.client import JobRef
from protocol.errors import InvalidInput
from protocol.roles.base import Role, require_non_negative
from protocol.tx.sender import MinedTx
from protocol.typed_data import JobTerms, Receipt, acceptance_digest, job_id, receipt_digest
from protocol.views import AwaitingPayout, ProviderStatus

__all__ = ["AcceptedJob", "Provider", "SignedReceipt", "SubmittedReceipt"]


class AcceptedJob(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_id: bytes
    collateral: int
    tx: MinedTx


class SignedReceipt(BaseModel):
    """The EIP-712 receipt and the provider's 65-byte signature over it (for oracles)."""

    model_config = ConfigDict(frozen=True)

    receipt: Receipt
    signer: str
    signature: bytes


class SubmittedReceipt(BaseModel):
    model_config = ConfigDict(frozen=True)

    signed: SignedReceipt
    tx: MinedTx


class Provider(Role):
    """Sells GPU time against staked GPUC."""

    # ------------------------------------------------------------------ stake

    def stake(self, amount: int, *, use_permit: bool = True) -> MinedTx:
        """Add ``amount`` GPUC wei to free stake."""
        require_non_negative(amount, "stake amount")
        staking = self.contracts.staking
        if use_permit:
            p = self.permit(staking.address, amount)
            return self.sender.send(
                staking.tx("stakeWithPermit", amount, p.deadline, p.v, p.r, p.s)
            )
        self.ensure_allowance(self.contracts.credit, staking.address, amount)
        return self.sender.send(staking.tx("stake", amount))

    def request_unbond(self, amount: int) -> MinedTx:
        """Move ``amount`` of free stake to unbonding (restarts the delay for all of it)."""
        require_non_negative(amount, "unbond amount")
        return self.sender.send(self.contracts.staking.tx("requestUnbond", amount))

    def withdraw(self) -> tuple[int, MinedTx]:
        """Withdraw matured unbonding stake; returns (amount, tx)."""
        staking = self.contracts.staking
        mined = self.sender.send(staking.tx("withdraw"))
        return int(staking.events(mined.receipt, "Withdrawn")[0]["amount"]), mined

    def provider_status(self, address: str | None = None) -> ProviderStatus:
        """Free, locked and unbonding stake and unclaimed earnings (default: this key's)."""
        return self.protocol.provider_status(address or self.address)

    def awaiting_payout(self, address: str | None = None) -> AwaitingPayout:
        """Jobs settled as a release and not yet paid out (default: this key's); pass
        ``.jobs`` to ``pay_out``."""
        return self.protocol.awaiting_payout(address or self.address)

    # ------------------------------------------------------------------ jobs

    def accept(self, job: JobRef) -> AcceptedJob:
        """Accept a job named for this provider; locks its collateral."""
        terms = self.terms(job)
        escrow = self.contracts.escrow
        mined = self.sender.send(escrow.tx("accept", terms.as_tuple()))
        event = escrow.events(mined.receipt, "JobAccepted")[0]
        return AcceptedJob(job_id=job_id(terms), collateral=int(event["collateral"]), tx=mined)

    def sign_acceptance(self, terms: JobTerms) -> bytes:
        """Accept these exact terms off chain (EIP-712 Acceptance of their job id): the
        consumer's ``open_accepted`` then opens and accepts the job in one transaction. Keep
        the collateral staked until then. Nothing is sent."""
        if terms.provider != self.address:
            raise InvalidInput(f"the terms name provider {terms.provider}, not {self.address}")
        return self.wallet.sign_digest(acceptance_digest(self.protocol.domain, job_id(terms)))

    def sign_receipt(
        self, job: JobRef, *, result_hash: bytes, units: int, started_at: int, finished_at: int
    ) -> SignedReceipt:
        """Sign the EIP-712 receipt oracles check; nothing is sent."""
        receipt = Receipt(
            job_id=job_id(self.terms(job)),
            result_hash=result_hash,
            units=units,
            started_at=started_at,
            finished_at=finished_at,
        )
        signature = self.wallet.sign_digest(receipt_digest(self.protocol.domain, receipt))
        return SignedReceipt(receipt=receipt, signer=self.address, signature=signature)

    def submit_receipt(
        self,
        job: JobRef,
        *,
        result_hash: bytes,
        units: int,
        started_at: int | None = None,
        finished_at: int | None = None,
    ) -> SubmittedReceipt:
        """Sign the receipt and commit (result hash, units) on chain, starting the dispute
        window. Times default to the chain's now."""
        terms = self.terms(job)
        now = self.protocol.now()
        signed = self.sign_receipt(
            terms,
            result_hash=result_hash,
            units=units,
            started_at=now if started_at is None else started_at,
            finished_at=now if finished_at is None else finished_at,
        )
        escrow = self.contracts.escrow
        mined = self.sender.send(escrow.tx("submitReceipt", terms.as_tuple(), result_hash, units))
        return SubmittedReceipt(signed=signed, tx=mined)

    def finalize(self, job: JobRef) -> MinedTx:
        """Settle a delivered job as its receipt said (anyone may): undisputed after the
        dispute window, or disputed without a verdict after the verdict window (the bond then
        is the provider's). Its money moves at ``pay_out``."""
        return self.sender.send(self.contracts.escrow.tx("finalize", self.terms(job).as_tuple()))
