"""The SDK's signing and signature combining against the shared EIP-712 vectors
(contracts/test/vectors/eip712.json, also checked against JobEscrow by forge)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from protocol.committee_signatures import MemberSignature, combine_signatures
from protocol.errors import SignatureError
from protocol.wallet import Wallet

VECTORS = Path(__file__).resolve().parents[3] / "contracts" / "test" / "vectors" / "eip712.json"
KINDS = ("receipts", "verdicts", "verdictBatches")


def _cases() -> list[tuple[str, dict[str, Any]]]:
    data = json.loads(VECTORS.read_text())
    return [(kind, case) for kind in KINDS for case in data[kind]]


def _hex(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


@pytest.mark.parametrize(("kind", "case"), _cases())
def test_wallets_sign_exactly_the_vector_signatures(kind: str, case: dict[str, Any]) -> None:
    for sig in case["signatures"]:
        wallet = Wallet.from_private_key(sig["privateKey"])
        assert wallet.address == sig["signer"]
        assert wallet.sign_digest(_hex(case["digest"])) == _hex(sig["signature"])


@pytest.mark.parametrize(("kind", "case"), [c for c in _cases() if c[0] != "receipts"])
def test_combining_accepts_the_vectors_and_refuses_their_malleated_twins(
    kind: str, case: dict[str, Any]
) -> None:
    digest = _hex(case["digest"])
    members = {s["signer"] for s in case["signatures"]}
    signatures = [
        MemberSignature(signer=s["signer"], signature=_hex(s["signature"]))
        for s in reversed(case["signatures"])
    ]
    combined = combine_signatures(
        digest, signatures, threshold=len(members), is_member=members.__contains__
    )
    ordered = sorted(case["signatures"], key=lambda s: int(s["signer"], 16))
    assert combined == b"".join(_hex(s["signature"]) for s in ordered)
    for twin in case["malleated"]:
        assert twin["valid"] is False
        bad = MemberSignature(signer=twin["signer"], signature=_hex(twin["signature"]))
        with pytest.raises(SignatureError):
            combine_signatures(digest, [bad], threshold=1, is_member=members.__contains__)
