"""Pure boundary models: the EVM verdict's fields on Ergo, terms and their registers."""

from __future__ import annotations

import pytest
from ergo_lib_python.chain import ErgoBox, ErgoBoxCandidate
from ergo_lib_python.transaction import TxId
from pydantic import ValidationError

from protocol.ergo.bank_state import BankState
from protocol.ergo.chain_tip import ChainTip
from protocol.ergo.collateral_terms import CollateralTerms
from protocol.ergo.errors import TxBuildError
from protocol.ergo.escrow_terms import EscrowTerms
from protocol.ergo.tx_plan import p2pk_tree
from protocol.ergo.verdict import ErgoVerdict
from protocol.typed_data import Outcome

pytestmark = pytest.mark.ergo

KEY = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
EVM_VERDICT = {
    "jobId": "0x" + "12" * 32,
    "outcome": 2,
    "units": 1234,
    "resultHash": "0x" + "34" * 32,
    "epoch": 7,
}


def _box_with(registers: dict) -> ErgoBox:  # type: ignore[type-arg]
    candidate = ErgoBoxCandidate(
        value=1_000_000, script=p2pk_tree(KEY), creation_height=1, registers=registers
    )
    return ErgoBox.from_box_candidate(candidate, TxId("00" * 32), 0)


def test_evm_verdict_fields_map_to_registers_and_back() -> None:
    verdict = ErgoVerdict.model_validate(EVM_VERDICT)
    assert verdict.outcome is Outcome.FAULT
    box = _box_with(verdict.registers())
    assert ErgoVerdict.from_registers(box.additional_registers) == verdict


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("units", 2**63),  # a uint64 that no Ergo Long can hold
        ("outcome", 3),
        ("jobId", "0x1234"),
        ("epoch", -1),
    ],
)
def test_verdict_rejects_what_ergo_cannot_hold(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field if field != "jobId" else "jobId"):
        ErgoVerdict.model_validate({**EVM_VERDICT, field: value})


def test_escrow_terms_round_trip_through_registers() -> None:
    terms = EscrowTerms(
        job_id="0x" + "ab" * 32,
        provider_key=KEY,
        consumer_key=KEY,
        price_per_unit=10,
        timeout_height=500,
        compensation=3,
    )
    assert EscrowTerms.from_box(_box_with(terms.registers())) == terms


def test_a_key_off_the_curve_is_refused() -> None:
    with pytest.raises(ValidationError, match="secp256k1"):
        CollateralTerms(provider_key="02" + "ff" * 32, slash_amount=1, unlock_height=1)


def test_reading_terms_from_the_wrong_box_names_the_register() -> None:
    bank_registers = BankState(circulating=1, rate=2).registers()
    with pytest.raises(TxBuildError, match="R4 is not a GroupElement"):
        CollateralTerms.from_box(_box_with(bank_registers))


def test_bank_state_never_redeems_below_zero() -> None:
    state = BankState(circulating=10, rate=1_000)
    assert state.after(5) == BankState(circulating=15, rate=1_000)
    assert state.erg_delta(-10) == -10_000
    with pytest.raises(TxBuildError, match="only 10 are in circulation"):
        state.after(-11)


def test_synthetic_chain_tip_sees_the_next_height() -> None:
    tip = ChainTip.synthetic(1_000)
    assert tip.next_height == 1_000
    assert tip.pre_header_json()["parentId"] == tip.headers[0]["id"]
    with pytest.raises(TxBuildError, match="must exceed 10"):
        ChainTip.synthetic(5)
