"""EIP-712 types of the protocol, built in one place.

Mirrors the typehashes in contracts/src/interfaces/IJobEscrow.sol and
docs/protocol-types.md. The signature rules (65 bytes, v in {27, 28}, r < n, low s:
what OpenZeppelin's ECDSA accepts) are protocol.signatures; its sign_digest and
recover_signer are importable from here too.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Any

from eth_abi.abi import encode as abi_encode
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from protocol.signatures import eip712_digest, keccak, recover_signer, sign_digest
from protocol.wire.fields import Address, Bytes32, as_address, as_bytes32
from protocol.wire_ints import WireUint

__all__ = [
    "CLOSED_STATUSES",
    "CLOSING_EVENTS",
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "JOB_EVENTS",
    "OUTCOME_EVENTS",
    "TERMS_ABI",
    "Domain",
    "JobStatus",
    "JobTerms",
    "Outcome",
    "Permit",
    "Receipt",
    "Verdict",
    "VerdictBatch",
    "VerdictItem",
    "acceptance_digest",
    "job_id",
    "permit_digest",
    "receipt_digest",
    "recover_signer",
    "sign_digest",
    "verdict_batch_digest",
    "verdict_digest",
]

DOMAIN_NAME = "GPUC JobEscrow"
DOMAIN_VERSION = "1"
# GPUCredit's ERC-2612 domain (ERC20Permit("GPU Credit"), version "1").
CREDIT_DOMAIN_NAME = "GPU Credit"
CREDIT_DOMAIN_VERSION = "1"

Uint40 = Annotated[int, Field(ge=0, lt=2**40)]
Uint64 = Annotated[int, Field(ge=0, lt=2**64)]
Uint96 = Annotated[int, Field(ge=0, lt=2**96)]
Uint256 = Annotated[int, Field(ge=0, lt=2**256)]


class JobStatus(IntEnum):
    """Job status codes, as the escrow stores them (uint8)."""

    NONE = 0
    OPEN = 1
    ACCEPTED = 2
    DELIVERED = 3
    DISPUTED = 4
    SETTLED = 5
    SLASHED = 6
    REFUNDED = 7

    @property
    def label(self) -> str:
        """The Solidity enum's name ("Open", "Settled", ...)."""
        return self.name.capitalize()

    @property
    def closed(self) -> bool:
        """Whether the job can never change its outcome again."""
        return self in CLOSED_STATUSES


# A job in one of these has its outcome for good (payOut may still move its money).
CLOSED_STATUSES = frozenset({JobStatus.SETTLED, JobStatus.SLASHED, JobStatus.REFUNDED})

# The escrow's events about one job, in lifecycle order (each carries the job id first).
JOB_EVENTS = (
    "JobOpened",
    "JobAccepted",
    "ReceiptSubmitted",
    "JobDisputed",
    "JobSettled",
    "JobSlashed",
    "JobRefunded",
    "JobPaidOut",
)
# The events up to the outcome (JobPaidOut, after them, only moves the money).
OUTCOME_EVENTS = JOB_EVENTS[:-1]
# After one of these the job is closed (CLOSED_STATUSES).
CLOSING_EVENTS = ("JobSettled", "JobSlashed", "JobRefunded")


class Outcome(IntEnum):
    """Verdict outcomes (uint8)."""

    RELEASE = 1
    FAULT = 2


class _Typed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Domain(_Typed):
    """The escrow's EIP-712 domain: chain and contract pin every signature."""

    chain_id: int = Field(gt=0)
    verifying_contract: str

    _addr = field_validator("verifying_contract", mode="before")(as_address)

    def as_eip712(self) -> dict[str, Any]:
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": self.verifying_contract,
        }


class JobTerms(BaseModel):
    """`struct JobTerms` field for field; its id is keccak256(abi.encode(terms)).

    The JSON form (what the matcher hands out, the oracle takes, the chain's JobOpened
    carries): the Solidity field names (camelCase), checksummed addresses, the uint96 and
    uint256 amounts as decimal strings, ``spec`` as 0x hex. Input also takes the Python
    names, and numbers or decimal strings for every integer.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        serialize_by_alias=True,
    )

    consumer: Address
    provider: Address
    budget: Annotated[WireUint, Field(lt=2**96)]
    price_per_unit: Annotated[WireUint, Field(lt=2**96)]
    accept_deadline: Uint40
    deadline: Uint40
    spec: Bytes32
    salt: Annotated[WireUint, Field(lt=2**256)]

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple, in the Solidity struct's field order."""
        return (
            self.consumer,
            self.provider,
            self.budget,
            self.price_per_unit,
            self.accept_deadline,
            self.deadline,
            self.spec,
            self.salt,
        )

    def abi_encoded(self) -> bytes:
        """abi.encode(terms). The struct is static (eight 32-byte words), so it is encoded
        by hand: eth_abi cost ~0.8 ms per fill, most of the matcher's matching CPU
        (scripts/bench/matcher.py --matching); tests check it against eth_abi."""
        return b"".join(
            (
                bytes(12) + bytes.fromhex(self.consumer[2:]),
                bytes(12) + bytes.fromhex(self.provider[2:]),
                self.budget.to_bytes(32, "big"),
                self.price_per_unit.to_bytes(32, "big"),
                self.accept_deadline.to_bytes(32, "big"),
                self.deadline.to_bytes(32, "big"),
                self.spec,
                self.salt.to_bytes(32, "big"),
            )
        )

    def abi_encoded_by_eth_abi(self) -> bytes:
        """The reference encoding (eth_abi), for tests."""
        return abi_encode([TERMS_ABI], [self.as_tuple()])

    def job_id_hex(self) -> str:
        """job_id(terms) as 0x hex."""
        return "0x" + job_id(self).hex()

    @property
    def max_units(self) -> int:
        return self.budget // self.price_per_unit if self.price_per_unit else 0


TERMS_ABI = "(address,address,uint96,uint96,uint40,uint40,bytes32,uint256)"


def job_id(terms: JobTerms) -> bytes:
    """keccak256(abi.encode(terms)), as JobEscrow computes it."""
    return keccak(terms.abi_encoded())


class Receipt(_Typed):
    """What the provider signs when it finishes a job."""

    job_id: Bytes32
    result_hash: Bytes32
    units: Uint64
    started_at: Uint64
    finished_at: Uint64


class VerdictItem(_Typed):
    """One job's outcome inside a verdict."""

    job_id: Bytes32
    outcome: int = Field(ge=1, le=2)
    units: Uint64
    result_hash: Bytes32


class Verdict(VerdictItem):
    """A single-job verdict, bound to the committee epoch it was signed under."""

    epoch: Uint64

    def item(self) -> VerdictItem:
        return VerdictItem(
            job_id=self.job_id,
            outcome=self.outcome,
            units=self.units,
            result_hash=self.result_hash,
        )


class VerdictBatch(_Typed):
    """Many jobs' outcomes under one set of committee signatures."""

    items: tuple[VerdictItem, ...]
    epoch: Uint64


class Permit(_Typed):
    """ERC-2612 permit: ``owner`` lets ``spender`` move ``value`` credits until ``deadline``."""

    owner: str
    spender: str
    value: Uint256
    nonce: Uint256
    deadline: Uint256

    _addrs = field_validator("owner", "spender", mode="before")(as_address)


_PERMIT_TYPES = {
    "Permit": [
        {"name": "owner", "type": "address"},
        {"name": "spender", "type": "address"},
        {"name": "value", "type": "uint256"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}

_RECEIPT_TYPES = {
    "Receipt": [
        {"name": "jobId", "type": "bytes32"},
        {"name": "resultHash", "type": "bytes32"},
        {"name": "units", "type": "uint64"},
        {"name": "startedAt", "type": "uint64"},
        {"name": "finishedAt", "type": "uint64"},
    ]
}
_ACCEPTANCE_TYPES = {"Acceptance": [{"name": "jobId", "type": "bytes32"}]}
_VERDICT_TYPES = {
    "Verdict": [
        {"name": "jobId", "type": "bytes32"},
        {"name": "outcome", "type": "uint8"},
        {"name": "units", "type": "uint64"},
        {"name": "resultHash", "type": "bytes32"},
        {"name": "epoch", "type": "uint64"},
    ]
}
_VERDICT_ITEM_FIELDS = [
    {"name": "jobId", "type": "bytes32"},
    {"name": "outcome", "type": "uint8"},
    {"name": "units", "type": "uint64"},
    {"name": "resultHash", "type": "bytes32"},
]
_VERDICT_BATCH_TYPES = {
    "VerdictBatch": [
        {"name": "items", "type": "VerdictItem[]"},
        {"name": "epoch", "type": "uint64"},
    ],
    "VerdictItem": _VERDICT_ITEM_FIELDS,
}


def _digest(
    domain: Domain | dict[str, Any], types: dict[str, Any], message: dict[str, Any]
) -> bytes:
    domain_data = domain.as_eip712() if isinstance(domain, Domain) else domain
    return eip712_digest(domain_data, types, message)


def _item_message(item: VerdictItem) -> dict[str, Any]:
    return {
        "jobId": item.job_id,
        "outcome": item.outcome,
        "units": item.units,
        "resultHash": item.result_hash,
    }


def receipt_digest(domain: Domain, receipt: Receipt) -> bytes:
    message = {
        "jobId": receipt.job_id,
        "resultHash": receipt.result_hash,
        "units": receipt.units,
        "startedAt": receipt.started_at,
        "finishedAt": receipt.finished_at,
    }
    return _digest(domain, _RECEIPT_TYPES, message)


def acceptance_digest(domain: Domain, job: bytes) -> bytes:
    """What a provider signs to accept the job `job` (an id) off chain: JobEscrow.openAccepted
    opens and accepts it in one transaction with that signature."""
    return _digest(domain, _ACCEPTANCE_TYPES, {"jobId": as_bytes32(job)})


def verdict_digest(domain: Domain, verdict: Verdict) -> bytes:
    message = {**_item_message(verdict), "epoch": verdict.epoch}
    return _digest(domain, _VERDICT_TYPES, message)


def verdict_batch_digest(domain: Domain, batch: VerdictBatch) -> bytes:
    message = {"items": [_item_message(i) for i in batch.items], "epoch": batch.epoch}
    return _digest(domain, _VERDICT_BATCH_TYPES, message)


def permit_digest(chain_id: int, credit: str, permit: Permit) -> bytes:
    """Digest GPUCredit.permit checks (the token's own domain, not the escrow's)."""
    domain = {
        "name": CREDIT_DOMAIN_NAME,
        "version": CREDIT_DOMAIN_VERSION,
        "chainId": chain_id,
        "verifyingContract": as_address(credit),
    }
    message = {
        "owner": permit.owner,
        "spender": permit.spender,
        "value": permit.value,
        "nonce": permit.nonce,
        "deadline": permit.deadline,
    }
    return _digest(domain, _PERMIT_TYPES, message)
