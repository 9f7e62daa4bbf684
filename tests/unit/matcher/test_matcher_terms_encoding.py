"""The hand-rolled abi.encode of JobTerms equals eth_abi's, and its JSON form round-trips."""

from __future__ import annotations

import json
import random

import pytest
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from pydantic import ValidationError

from protocol.typed_data import JobTerms, job_id


def test_hand_encoding_matches_eth_abi_on_edge_and_random_values() -> None:
    rng = random.Random(5)
    cases = [(0, 0, 0, 0, 0), (2**96 - 1, 2**96 - 1, 2**40 - 1, 2**40 - 1, 2**256 - 1)]
    cases += [
        (
            rng.randrange(2**96),
            rng.randrange(2**96),
            rng.randrange(2**40),
            rng.randrange(2**40),
            rng.randrange(2**256),
        )
        for _ in range(200)
    ]
    for budget, price, accept, deadline, salt in cases:
        terms = JobTerms(
            consumer="0x" + rng.randbytes(20).hex(),
            provider="0x" + rng.randbytes(20).hex(),
            budget=budget,
            price_per_unit=price,
            accept_deadline=accept,
            deadline=deadline,
            spec="0x" + rng.randbytes(32).hex(),
            salt=salt,
        )
        assert terms.abi_encoded() == terms.abi_encoded_by_eth_abi()
        assert job_id(terms) == keccak(terms.abi_encoded_by_eth_abi())
        assert terms.job_id_hex() == "0x" + job_id(terms).hex()


def test_json_form_is_camel_case_with_big_integers_as_strings_and_reads_back() -> None:
    terms = JobTerms(
        consumer="0x" + "ab" * 20,
        provider="0x" + "cd" * 20,
        budget=2**96 - 1,
        price_per_unit=2**60,
        accept_deadline=1_900_000_000,
        deadline=1_900_000_100,
        spec=b"\x01" * 32,
        salt=2**255,
    )
    wire = json.loads(terms.model_dump_json())
    assert wire == {
        "consumer": to_checksum_address("0x" + "ab" * 20),
        "provider": to_checksum_address("0x" + "cd" * 20),
        "budget": str(2**96 - 1),
        "pricePerUnit": str(2**60),
        "acceptDeadline": 1_900_000_000,
        "deadline": 1_900_000_100,
        "spec": "0x" + "01" * 32,
        "salt": str(2**255),
    }
    assert JobTerms.model_validate(wire) == terms
    # The Python names and plain numbers are read too.
    assert JobTerms.model_validate(terms.model_dump(by_alias=False)) == terms
    with pytest.raises(ValidationError):
        JobTerms.model_validate({**wire, "budget": str(2**96)})
    with pytest.raises(ValidationError):
        JobTerms.model_validate({**wire, "spec": "0x1234"})
