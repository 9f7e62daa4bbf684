"""One set of signature rules (protocol.signatures), the strictest: what OpenZeppelin's
ECDSA accepts. The SDK's recovery used not to check r < n; the matcher's did."""

from __future__ import annotations

import pytest
from eth_account import Account

from protocol.errors import SignatureError
from protocol.signatures import SECP256K1_N, keccak, recover_signer, sign_digest

KEY = "0x" + "42" * 32
DIGEST = keccak(b"a message")


def _with(sig: bytes, *, r: int | None = None, s: int | None = None, v: int | None = None) -> bytes:
    r_ = sig[:32] if r is None else r.to_bytes(32, "big")
    s_ = sig[32:64] if s is None else s.to_bytes(32, "big")
    return r_ + s_ + bytes([sig[64] if v is None else v])


def test_a_low_s_signature_recovers_to_its_signer() -> None:
    sig = sign_digest(KEY, DIGEST)
    assert recover_signer(DIGEST, sig) == Account.from_key(KEY).address


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"v": 0}, "only 27 or 28"),
        ({"v": 1}, "only 27 or 28"),
        ({"r": 0}, "non-zero"),
        ({"r": SECP256K1_N}, "not below the curve order"),
        ({"r": SECP256K1_N + 5}, "not below the curve order"),
    ],
)
def test_what_openzeppelin_refuses_is_refused(change: dict[str, int], match: str) -> None:
    with pytest.raises(SignatureError, match=match):
        recover_signer(DIGEST, _with(sign_digest(KEY, DIGEST), **change))


def test_the_high_s_twin_of_a_valid_signature_is_refused() -> None:
    sig = sign_digest(KEY, DIGEST)
    s = int.from_bytes(sig[32:64], "big")
    twin = _with(sig, s=SECP256K1_N - s, v=55 - sig[64])
    with pytest.raises(SignatureError, match="upper half"):
        recover_signer(DIGEST, twin)


def test_wrong_lengths_are_refused() -> None:
    with pytest.raises(SignatureError, match="65 bytes"):
        recover_signer(DIGEST, sign_digest(KEY, DIGEST)[:64])
    with pytest.raises(SignatureError, match="32 bytes"):
        recover_signer(DIGEST[:31], sign_digest(KEY, DIGEST))
