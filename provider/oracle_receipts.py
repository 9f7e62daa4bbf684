"""Hand a finished job's evidence to every oracle of the committee (POST /receipts).

The body is the oracles' ReceiptSubmission (terms, signed receipt, result URL, spec
and, for embeddings, where the input file is), written here from the SDK's types so
the provider needs no oracle code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from protocol.typed_data import JobTerms, Receipt

__all__ = ["OracleAnswer", "post_receipt", "submission_body"]


class OracleAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str
    status: int | None  # None: no answer
    detail: str


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def submission_body(
    terms: JobTerms,
    receipt: Receipt,
    signature: bytes,
    result_url: str,
    spec: dict[str, Any],
    inputs_url: str | None,
    committed_on_chain: bool,
) -> dict[str, Any]:
    return {
        "terms": {
            "consumer": terms.consumer,
            "provider": terms.provider,
            # uint96/uint256 as decimal strings: JSON numbers beyond 2**53 lose digits
            # in JavaScript readers (the oracle accepts both forms).
            "budget": str(terms.budget),
            "price_per_unit": str(terms.price_per_unit),
            "accept_deadline": terms.accept_deadline,
            "deadline": terms.deadline,
            "spec": _hex(terms.spec),
            "salt": str(terms.salt),
        },
        "receipt": {
            "job_id": _hex(receipt.job_id),
            "result_hash": _hex(receipt.result_hash),
            "units": receipt.units,
            "started_at": receipt.started_at,
            "finished_at": receipt.finished_at,
        },
        "signature": _hex(signature),
        "result_url": result_url,
        "spec": spec,
        "inputs_url": inputs_url,
        "committed_on_chain": committed_on_chain,
    }


def post_receipt(
    oracle_urls: Sequence[str], body: dict[str, Any], http: httpx.Client
) -> list[OracleAnswer]:
    """POST the body to each oracle; one answer per oracle, never raises for one that is down."""
    answers = []
    for url in oracle_urls:
        try:
            response = http.post(f"{url.rstrip('/')}/receipts", json=body)
            answers.append(
                OracleAnswer(url=url, status=response.status_code, detail=response.text[:300])
            )
        except httpx.HTTPError as exc:
            answers.append(OracleAnswer(url=url, status=None, detail=str(exc)))
    return answers
