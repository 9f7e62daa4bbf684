"""What every role shares: a protocol connection, a key and a sender for that key."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from protocol.client import JobRef, Protocol
from protocol.contracts import BoundContract
from protocol.errors import InvalidInput
from protocol.tx.sender import MinedTx, TxSender
from protocol.typed_data import JobTerms, Permit, permit_digest
from protocol.views import JobState
from protocol.wallet import Wallet

__all__ = ["PermitSignature", "Role", "require_non_negative"]

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
