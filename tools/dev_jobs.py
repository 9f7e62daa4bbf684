"""Drive real jobs through a local committee: open, accept, produce a result (honest
or forged), sign the receipt and post it to the oracles. For tests, benchmarks and
demos against anvil; the result is published by a callable the caller supplies
(e.g. the provider agent's result server), so this module needs no provider code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from typing import Any

import httpx
import numpy as np
from eth_utils.crypto import keccak

from oracles.audit import jsonable
from oracles.submission import ReceiptSubmission
from oracles.submitter import rotation
from protocol.compute.matrices import reference_product
from protocol.compute.npy_codec import encode_npy
from protocol.compute.specs import MatmulSpec
from protocol.compute.units import matmul_units
from protocol.roles import Consumer, Provider
from protocol.typed_data import JobTerms, job_id

__all__ = [
    "Publish",
    "forged_matmul_result",
    "honest_matmul_result",
    "matmul_spec",
    "open_job",
    "post_submission",
    "signed_submission",
]

# Stores result bytes somewhere the oracles can fetch them; returns the URL.
Publish = Callable[[bytes], str]


def matmul_spec(seed: int, n: int = 64) -> dict[str, Any]:
    return {"kind": "matmul", "n": n, "seed_a": seed, "seed_b": seed + 1, "dtype": "float32"}


def honest_matmul_result(spec: dict[str, Any]) -> bytes:
    return encode_npy(reference_product(MatmulSpec(**spec)))


def forged_matmul_result(spec: dict[str, Any]) -> bytes:
    """The honest product with one entry off by far more than float noise."""
    product = np.array(reference_product(MatmulSpec(**spec)))
    product[0, 0] += 1000.0
    return encode_npy(product)


def open_job(
    consumer: Consumer,
    provider: Provider,
    spec: dict[str, Any],
    *,
    price_per_unit: int,
    max_units: int,
    first_submitter: str | None = None,
    members: Collection[str] = (),
    accept: bool = True,
) -> JobTerms:
    """Open (and accept) a job. With ``first_submitter``, salts are tried until that
    member starts the job's submitter rotation among ``members``."""
    salt = int.from_bytes(keccak(json.dumps(spec, sort_keys=True).encode())[:8], "big")
    while True:
        terms = consumer.new_terms(
            provider=provider.address,
            budget=price_per_unit * max_units,
            price_per_unit=price_per_unit,
            spec=spec,
            salt=salt,
        )
        if first_submitter is None or rotation(members, job_id(terms))[0] == first_submitter:
            break
        salt += 1
    consumer.open_job(terms)
    if accept:
        provider.accept(terms)
    return terms


def signed_submission(
    provider: Provider,
    terms: JobTerms,
    spec: dict[str, Any],
    result: bytes,
    publish: Publish,
    *,
    units: int | None = None,
    committed_on_chain: bool = False,
) -> ReceiptSubmission:
    """Publish ``result`` and sign a receipt for it (run times: the chain's now)."""
    now = provider.protocol.now()
    signed = provider.sign_receipt(
        terms,
        result_hash=keccak(result),
        units=matmul_units(spec["n"]) if units is None else units,
        started_at=now,
        finished_at=now + 1,
    )
    return ReceiptSubmission(
        terms=terms,
        receipt=signed.receipt,
        signature=signed.signature,
        result_url=publish(result),
        spec=spec,
        committed_on_chain=committed_on_chain,
    )


def post_submission(
    urls: Sequence[str], submission: ReceiptSubmission, *, timeout: float = 5.0
) -> list[int | None]:
    """POST /receipts to each oracle; the HTTP status of each (None: no answer)."""
    body = jsonable(submission)
    statuses: list[int | None] = []
    with httpx.Client(timeout=timeout) as http:
        for url in urls:
            try:
                statuses.append(http.post(f"{url}/receipts", json=body).status_code)
            except httpx.HTTPError:
                statuses.append(None)
    return statuses
