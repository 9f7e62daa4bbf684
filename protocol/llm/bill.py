"""A session's signed running bill: cumulative tokens and a hash chain.

Every answer in a session appends one link to the chain:

    head_0 = keccak("GPUC llm bill v1" || jobId)
    head_n = keccak(head_{n-1} || requestDigest_n || responseDigest_n || uint64 tokens_n)

``requestDigest`` is the keccak of the request's canonical JSON,
``responseDigest`` the keccak of the answer's canonical JSON (text, finish
reason, token counts: what the consumer saw, streamed or not), ``tokens`` the
request's prompt + completion tokens. The provider signs

    keccak("GPUC llm bill v1" || jobId || uint64 seq || uint64 totalTokens || head)

with its wallet key and sends the bill with every answer. The final bill is the
session's receipt: units = total tokens, result hash = head. A consumer holding
a signed bill with a higher ``seq`` than the one the provider submitted proves
the provider under-reported its own chain (or forked it). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from protocol.errors import SignatureError
from protocol.job_spec import canonical_spec
from protocol.llm.errors import BillError
from protocol.llm.types import FinishReason
from protocol.typed_data import recover_signer, sign_digest
from protocol.wire.fields import as_bytes32

__all__ = [
    "BILL_TAG",
    "Answer",
    "BillLink",
    "DigestSigner",
    "Exchange",
    "SignedBill",
    "answer_digest",
    "chain_head",
    "genesis_head",
    "next_head",
    "request_digest",
    "sign_bill",
    "verify_bill",
    "verify_chain",
]

BILL_TAG = b"GPUC llm bill v1"
_U64 = 2**64


def _int_or_decimal(value: Any) -> Any:
    # Integers above 2^53 travel as decimal strings; accept both.
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


class Answer(BaseModel):
    """What the consumer received for one request; its digest is chained."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    finish_reason: FinishReason
    prompt_tokens: int = Field(ge=0, lt=_U64)
    completion_tokens: int = Field(ge=0, lt=_U64)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Exchange(BaseModel):
    """One served request as the provider recorded it: what the oracle fetches for
    a sampled index (``token_ids`` are the answer's tokens, not chained: the
    oracle checks they decode to the chained text)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(ge=0)
    request: dict[str, Any]
    answer: Answer
    token_ids: tuple[int, ...] | None = None


def request_digest(request: dict[str, Any]) -> bytes:
    """keccak of the request's canonical JSON (sorted keys, no spaces, UTF-8)."""
    return keccak(canonical_spec(request))


def answer_digest(answer: Answer) -> bytes:
    return keccak(canonical_spec(answer.model_dump(mode="json")))


class BillLink(BaseModel):
    """One request's entry in the chain."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_digest: bytes
    response_digest: bytes
    tokens: int = Field(ge=0, lt=_U64)

    _b32 = field_validator("request_digest", "response_digest", mode="before")(as_bytes32)
    _int = field_validator("tokens", mode="before")(_int_or_decimal)

    @field_serializer("request_digest", "response_digest")
    def _hex(self, value: bytes) -> str:
        return "0x" + value.hex()

    @field_serializer("tokens")
    def _dec(self, value: int) -> str:
        return str(value)


def genesis_head(job_id: bytes) -> bytes:
    return keccak(BILL_TAG + as_bytes32(job_id))


def next_head(head: bytes, link: BillLink) -> bytes:
    return keccak(
        head + link.request_digest + link.response_digest + link.tokens.to_bytes(8, "big")
    )


def chain_head(job_id: bytes, links: Iterable[BillLink]) -> bytes:
    head = genesis_head(job_id)
    for link in links:
        head = next_head(head, link)
    return head


class SignedBill(BaseModel):
    """The provider's signed running total after ``seq`` answers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    job_id: bytes
    seq: int = Field(ge=0, lt=_U64)
    total_tokens: int = Field(ge=0, lt=_U64)
    head: bytes
    signature: bytes

    _b32 = field_validator("job_id", "head", mode="before")(as_bytes32)
    _int = field_validator("seq", "total_tokens", mode="before")(_int_or_decimal)

    @field_validator("signature", mode="before")
    @classmethod
    def _sig(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value[2:] if value.startswith("0x") else value
            try:
                return bytes.fromhex(text)
            except ValueError:
                raise ValueError("signature: not hex") from None
        return value

    @field_serializer("job_id", "head", "signature")
    def _hex(self, value: bytes) -> str:
        return "0x" + value.hex()

    @field_serializer("seq", "total_tokens")
    def _dec(self, value: int) -> str:
        return str(value)

    def digest(self) -> bytes:
        return bill_digest(self.job_id, self.seq, self.total_tokens, self.head)

    def later_than(self, other: SignedBill) -> bool:
        """True when this bill proves more service than ``other`` (same session)."""
        if self.job_id != other.job_id:
            raise BillError("bills of different sessions cannot be compared")
        return self.seq > other.seq


def bill_digest(job_id: bytes, seq: int, total_tokens: int, head: bytes) -> bytes:
    return keccak(
        BILL_TAG
        + as_bytes32(job_id)
        + seq.to_bytes(8, "big")
        + total_tokens.to_bytes(8, "big")
        + as_bytes32(head)
    )


class DigestSigner(Protocol):
    """A wallet (protocol.wallet.Wallet) or anything else that signs 32-byte digests."""

    def sign_digest(self, digest: bytes) -> bytes: ...


def sign_bill(
    signer: bytes | str | DigestSigner, job_id: bytes, seq: int, total_tokens: int, head: bytes
) -> SignedBill:
    digest = bill_digest(job_id, seq, total_tokens, head)
    if isinstance(signer, bytes | str):
        signature = sign_digest(signer, digest)
    else:
        signature = signer.sign_digest(digest)
    return SignedBill(
        job_id=job_id, seq=seq, total_tokens=total_tokens, head=head, signature=signature
    )


def verify_bill(bill: SignedBill, provider: str) -> None:
    """Raise BillError unless ``provider`` signed ``bill``."""
    try:
        signer = recover_signer(bill.digest(), bill.signature)
    except SignatureError as exc:
        raise BillError(f"bill signature: {exc}") from None
    if signer.lower() != provider.lower():
        raise BillError(f"bill signed by {signer}, expected the provider {provider}")


def verify_chain(job_id: bytes, links: Sequence[BillLink], head: bytes, total_tokens: int) -> None:
    """Raise BillError unless ``links`` hash to ``head`` and sum to ``total_tokens``."""
    computed = chain_head(job_id, links)
    if computed != head:
        raise BillError(
            f"the {len(links)} links hash to 0x{computed.hex()}, "
            f"not the committed head 0x{head.hex()}"
        )
    summed = sum(link.tokens for link in links)
    if summed != total_tokens:
        raise BillError(f"the links sum to {summed} tokens, the bill says {total_tokens}")
