"""What a provider (or anyone holding it) posts to an oracle's ``POST /receipts``, what
the oracle answers, and the client that posts it to every oracle of the committee.

The oracle service (oracles.api, oracles.submission) takes the same class the provider
sends, so neither side writes the other's body by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from protocol.typed_data import JobTerms, Receipt
from protocol.wire.fields import HttpUrl, Signature65

__all__ = [
    "OracleAnswer",
    "ReceiptSubmission",
    "SubmissionAccepted",
    "post_receipt",
    "post_to_oracles",
]


class ReceiptSubmission(BaseModel):
    """A finished job's evidence: terms, the provider's signed EIP-712 receipt, where
    the result is, and the spec document. ``committed_on_chain``: the provider also
    called submitReceipt; judge the result once that commitment is confirmed, and
    on a release let the dispute window finalize it (no committee transaction)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    terms: JobTerms
    receipt: Receipt
    signature: Signature65
    result_url: HttpUrl
    spec: dict[str, Any]
    inputs_url: HttpUrl | None = None
    # A container job that brings its own image: where its archive's chunked manifest
    # is (protocol.chunked_documents); the chunks are fetched from the same store.
    image_url: HttpUrl | None = None
    committed_on_chain: bool = False

    @property
    def job_id(self) -> bytes:
        return self.receipt.job_id

    def to_json(self) -> str:
        """The JSON body (terms in their JSON form, bytes as 0x hex)."""
        return self.model_dump_json()


class SubmissionAccepted(BaseModel):
    """The oracle's answer to a submission it took (HTTP 202)."""

    model_config = ConfigDict(frozen=True)

    job_id: str
    status: str


class OracleAnswer(BaseModel):
    """How one oracle answered a post: its HTTP status (None: no answer) and the body."""

    model_config = ConfigDict(frozen=True)

    url: str
    status: int | None
    detail: str


def post_to_oracles(
    oracle_urls: Sequence[str], path: str, body: BaseModel, http: httpx.Client
) -> list[OracleAnswer]:
    """POST the body to ``path`` on each oracle; one answer per oracle, never raises for
    one that is down."""
    payload = body.model_dump(mode="json")
    answers = []
    for url in oracle_urls:
        try:
            response = http.post(f"{url.rstrip('/')}{path}", json=payload)
            answers.append(
                OracleAnswer(url=url, status=response.status_code, detail=response.text[:300])
            )
        except httpx.HTTPError as exc:
            answers.append(OracleAnswer(url=url, status=None, detail=str(exc)))
    return answers


def post_receipt(
    oracle_urls: Sequence[str], submission: ReceiptSubmission, http: httpx.Client
) -> list[OracleAnswer]:
    """POST the submission to each oracle's ``/receipts``."""
    return post_to_oracles(oracle_urls, "/receipts", submission, http)
