"""Combine committee members' signatures into what OracleCommittee.verifySignatures takes.

Pure: the caller supplies the threshold and a membership test. Each signature is checked
the way OpenZeppelin's ECDSA checks it (low s, v in {27, 28}) and must recover to the
member it claims to be from; duplicates collapse; the result is ascending by signer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from eth_utils.address import to_checksum_address
from pydantic import BaseModel, ConfigDict, field_validator

from protocol.errors import SignatureError
from protocol.typed_data import recover_signer

__all__ = ["MemberSignature", "combine_signatures"]


class MemberSignature(BaseModel):
    """One member's 65-byte signature over a verdict digest."""

    model_config = ConfigDict(frozen=True)

    signer: str
    signature: bytes

    _addr = field_validator("signer", mode="before")(to_checksum_address)


def combine_signatures(
    digest: bytes,
    signatures: Iterable[MemberSignature],
    *,
    threshold: int,
    is_member: Callable[[str], bool],
) -> bytes:
    """Concatenate at least ``threshold`` distinct members' signatures, ascending by address."""
    by_signer: dict[int, bytes] = {}
    for item in signatures:
        recovered = recover_signer(digest, item.signature)
        if recovered != item.signer:
            raise SignatureError(
                f"a signature said to be from {item.signer} recovers to {recovered}: "
                "it was made over another verdict, chain or contract"
            )
        if not is_member(recovered):
            raise SignatureError(
                f"{recovered} is not a member of the current committee: drop its signature"
            )
        by_signer[int(recovered, 16)] = item.signature
    if len(by_signer) < threshold:
        raise SignatureError(
            f"{len(by_signer)} distinct member signature(s), the committee needs {threshold}: "
            "collect more before settling"
        )
    return b"".join(by_signer[k] for k in sorted(by_signer))
