"""Combining committee signatures: checked like OpenZeppelin, distinct, ascending."""

from __future__ import annotations

import pytest
from eth_account import Account

from protocol.committee_signatures import MemberSignature, combine_signatures
from protocol.errors import SignatureError
from protocol.typed_data import sign_digest

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
DIGEST = b"\x42" * 32
KEYS = ["0x" + f"{i:02x}" * 32 for i in (1, 2, 3, 4)]
ADDRESSES = [Account.from_key(k).address for k in KEYS]
MEMBERS = set(ADDRESSES[:3])


def _sig(i: int, digest: bytes = DIGEST) -> MemberSignature:
    return MemberSignature(signer=ADDRESSES[i], signature=sign_digest(KEYS[i], digest))


def _combine(sigs: list[MemberSignature], threshold: int = 2) -> bytes:
    return combine_signatures(DIGEST, sigs, threshold=threshold, is_member=MEMBERS.__contains__)


def test_sorted_ascending_and_deduplicated() -> None:
    out = _combine([_sig(2), _sig(0), _sig(2), _sig(1)])
    assert len(out) == 3 * 65
    chunks = [out[i : i + 65] for i in range(0, len(out), 65)]
    signers = [Account._recover_hash(DIGEST, signature=c) for c in chunks]
    assert signers == sorted(signers, key=lambda a: int(a, 16))


def test_threshold_counts_distinct_signers() -> None:
    with pytest.raises(SignatureError, match="1 distinct member signature"):
        _combine([_sig(0), _sig(0)])


def test_non_member_wrong_digest_and_malleable_signatures_are_refused() -> None:
    with pytest.raises(SignatureError, match="not a member"):
        _combine([_sig(0), _sig(3)])
    other = _sig(1, b"\x43" * 32)
    with pytest.raises(SignatureError, match="recovers to"):
        _combine([_sig(0), other])
    good = _sig(1).signature
    s = int.from_bytes(good[32:64], "big")
    high = good[:32] + (N - s).to_bytes(32, "big") + bytes([55 - good[64]])
    with pytest.raises(SignatureError, match="upper half"):
        _combine([_sig(0), MemberSignature(signer=ADDRESSES[1], signature=high)])
