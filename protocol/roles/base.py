"""What every role shares: a protocol connection, a key and a sender for that key, and the
calls anyone may make (claim, pay out settled jobs)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, field_serializer

from protocol.client import JobRef, Protocol
from protocol.contracts import BoundContract
from protocol.errors import InvalidInput
from protocol.tx.sender import MinedTx, TxSender
from protocol.typed_data import JobTerms, Permit, job_id, permit_digest
from protocol.views import JobState
from protocol.wallet import Wallet

__all__ = ["PayoutResult", "PermitSignature", "Role", "require_non_negative"]

PERMIT_LIFETIME = 3600  # seconds a permit stays valid; it is used in the same transaction


def require_non_negative(value: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{what} must be a whole number of wei, got {value!r}")
    if value < 0:
        raise InvalidInput(f"{what} must not be negative, got {value}")
    return value


class PermitSignature(BaseModel):
    """An ERC-2612 permit split the way permit(...) takes it."""

    model_config = ConfigDict(frozen=True)

    deadline: int
    v: int
    r: bytes
    s: bytes


class PayoutResult(BaseModel):
    """What one payOut transaction credited, from its JobPaidOut events. Jobs already paid
    out (by anyone, before) are skipped by the escrow and not listed."""

    model_config = ConfigDict(frozen=True)

    paid: tuple[bytes, ...]
    provider_pay: int
    consumer_refund: int
    tx: MinedTx

    @property
    def count(self) -> int:
        """How many jobs this call paid out."""
        return len(self.paid)

    @field_serializer("paid")
    def _hex_jobs(self, value: tuple[bytes, ...]) -> list[str]:
        return ["0x" + job.hex() for job in value]


class Role:
    """Base of Consumer, Provider and OracleOperator."""

    def __init__(self, protocol: Protocol, wallet: Wallet, sender: TxSender | None = None) -> None:
        self.protocol = protocol
        self.wallet = wallet
        self.sender = sender or protocol.sender(wallet)
        self.contracts = protocol.contracts

    @property
    def address(self) -> str:
        return self.wallet.address

    def terms(self, job: JobRef) -> JobTerms:
        return self.protocol.terms(job)

    def status(self, job: JobRef) -> JobState:
        return self.protocol.job(job)

    def claim(self) -> tuple[int, MinedTx]:
        """Pull everything the escrow owes this account (payments, refunds, compensation)."""
        mined = self.sender.send(self.contracts.escrow.tx("claim"))
        claimed = self.contracts.escrow.events(mined.receipt, "Claimed")
        return int(claimed[0]["amount"]), mined

    def sweep_excess_reserve(self) -> tuple[int, MinedTx]:
        """Pay the treasury the sale's reserve above what redeeming the whole supply needs
        (left by credits the protocol burnt). Anyone may call; NothingToWithdraw if none."""
        mined = self.sender.send(self.contracts.sale.tx("sweepExcessReserve"))
        swept = self.contracts.sale.events(mined.receipt, "ExcessReserveSwept")
        return int(swept[0]["amount"]), mined

    def pay_out(self, jobs: Iterable[JobRef]) -> PayoutResult:
        """Credit the money of jobs settled as a release, in one payOut transaction: the
        provider's pay and the consumer's refund become claimable, the provider's collateral
        unlocks. Anyone may call; jobs already paid out are skipped, a job not settled as a
        release refuses the whole call (NotSettled, nothing sent)."""
        unique: dict[bytes, JobTerms] = {}
        for job in jobs:
            terms = self.terms(job)
            unique.setdefault(job_id(terms), terms)
        if not unique:
            raise InvalidInput("pay_out needs at least one job")
        # The escrow unlocks collateral once per run of one provider: group them.
        ordered = sorted(unique.values(), key=lambda t: t.provider.lower())
        escrow = self.contracts.escrow
        mined = self.sender.send(escrow.tx("payOut", [t.as_tuple() for t in ordered]))
        events = escrow.events(mined.receipt, "JobPaidOut")
        return PayoutResult(
            paid=tuple(bytes(e["jobId"]) for e in events),
            provider_pay=sum(int(e["providerPay"]) for e in events),
            consumer_refund=sum(int(e["consumerRefund"]) for e in events),
            tx=mined,
        )

    def ensure_allowance(self, token: BoundContract, spender: str, amount: int) -> None:
        """Approve ``spender`` for ``amount`` of ``token`` unless already allowed."""
        if int(token.read("allowance", self.address, spender)) < amount:
            self.sender.send(token.tx("approve", spender, amount))

    def permit(self, spender: str, value: int) -> PermitSignature:
        """Sign an ERC-2612 permit for ``spender`` to take ``value`` credits."""
        credit = self.contracts.credit
        permit = Permit(
            owner=self.address,
            spender=spender,
            value=value,
            nonce=int(credit.read("nonces", self.address)),
            deadline=self.protocol.now() + PERMIT_LIFETIME,
        )
        signature = self.wallet.sign_digest(
            permit_digest(self.protocol.chain_id, credit.address, permit)
        )
        return PermitSignature(
            deadline=permit.deadline, v=signature[64], r=signature[:32], s=signature[32:64]
        )
