"""The hand-rolled abi.encode of JobTerms equals eth_abi's and the SDK's job id."""

from __future__ import annotations

import random

from matcher.terms import JobTerms
from protocol.typed_data import JobTerms as SdkTerms
from protocol.typed_data import job_id


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
        consumer = "0x" + rng.randbytes(20).hex()
        provider = "0x" + rng.randbytes(20).hex()
        spec = "0x" + rng.randbytes(32).hex()
        terms = JobTerms(
            consumer=consumer,
            provider=provider,
            budget=budget,
            price_per_unit=price,
            accept_deadline=accept,
            deadline=deadline,
            spec=spec,
            salt=salt,
        )
        assert terms.abi_encoded() == terms.abi_encoded_by_eth_abi()
        sdk = SdkTerms(
            consumer=consumer,
            provider=provider,
            budget=budget,
            price_per_unit=price,
            accept_deadline=accept,
            deadline=deadline,
            spec=spec,
            salt=salt,
        )
        assert terms.job_id() == "0x" + job_id(sdk).hex()
