"""Hand a finished job's evidence to every oracle of the committee (POST /receipts).

The body is the oracles' ReceiptSubmission (terms, signed receipt, result URL, spec
and, for embeddings, where the input file is; for a container job that brings its own
image, where the image archive is), written here from the SDK's types so
the provider needs no oracle code.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from protocol.typed_data import JobTerms, Receipt
from provider.oracle_directory import OracleDirectory

__all__ = ["OracleAnswer", "deliver_receipt", "post_receipt", "submission_body"]


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
    image_url: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
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
    if image_url is not None:  # a container job's image archive (chunked manifest)
        body["image_url"] = image_url
    return body


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


def deliver_receipt(
    oracles: OracleDirectory,
    body: dict[str, Any],
    http: httpx.Client,
    retry_s: float = 20.0,
    pause_s: float = 1.0,
) -> list[OracleAnswer]:
    """POST the body to every oracle the directory knows, and keep offering it for
    ``retry_s`` to those that did not answer or answered 5xx (restarting). When one
    fails the members' endpoints are read again at once, so an oracle that joined or
    moved since the last read gets the receipt too. One answer per oracle tried."""
    deadline = time.monotonic() + retry_s
    pending = oracles.urls()
    final: dict[str, OracleAnswer] = {}
    while True:
        for answer in post_receipt(pending, body, http):
            final[answer.url] = answer
        pending = [u for u, a in final.items() if a.status is None or a.status >= 500]
        if pending:
            pending += [u for u in oracles.refresh() if u not in final]
        if not pending or time.monotonic() > deadline:
            return list(final.values())
        time.sleep(pause_s)
