"""The oracle's HTTP API (127.0.0.1 only; put a reverse proxy in front to publish it).

POST /receipts          a provider's signed receipt, its result URL and spec (202)
POST /signatures        a committee member's signature over its verdict (202)
POST /batch-signatures  co-sign a VerdictBatch made of this oracle's own verdicts (200)
POST /llm/bills         an llm session consumer's latest provider-signed bill (202)
POST /llm/evidence      an llm session consumer's signed evidence, judged against the
                        receipt its provider committed on chain (202)
GET  /jobs/{job_id}     what this oracle knows and decided about a job
GET  /health            200 while the loop ticks and the chain answers, else 503
                        (/healthz: the same, the path earlier versions documented)
GET  /metrics           Prometheus text format
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from oracles.audit import jsonable
from oracles.errors import (
    BatchRefused,
    ConflictingReceipt,
    InvalidPeerSignature,
    InvalidSubmission,
    JobAlreadyClosed,
    JobNotOnChain,
    NotCommitteeMember,
    OracleError,
    StaleVerdictEpoch,
)
from oracles.metrics import OracleMetrics
from oracles.node import OracleNode
from oracles.verdicts import BatchSignatureRequest, PeerSignature
from protocol.client import parse_job_id
from protocol.errors import ChainUnreachable, InvalidInput, ProtocolError
from protocol.http_guard import BodyGuard, sane_recursion_limit
from protocol.llm.bill import SignedBill
from protocol.wire.health import HEALTH_PATH
from protocol.wire.llm_evidence import EVIDENCE_PATH, SignedConsumerEvidence
from protocol.wire.oracle import ReceiptSubmission, SubmissionAccepted
from protocol.wire_ints import js_safe

__all__ = ["MAX_BODY_BYTES", "create_app"]

# A receipt submission or a batch-signature request is a few KB.
MAX_BODY_BYTES = 256 * 1024

# Most specific first: StaleVerdictEpoch is an InvalidPeerSignature.
_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (InvalidSubmission, 422),
    (JobNotOnChain, 404),
    (JobAlreadyClosed, 409),
    (ConflictingReceipt, 409),
    (StaleVerdictEpoch, 409),
    (InvalidPeerSignature, 422),
    (NotCommitteeMember, 403),
    (BatchRefused, 409),
    (InvalidInput, 422),
    (ChainUnreachable, 503),
)


def _status_for(exc: Exception) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 500 if isinstance(exc, OracleError) else 502


def create_app(node: OracleNode, metrics: OracleMetrics) -> FastAPI:
    sane_recursion_limit()  # eth-account's imports raised it to 100,000
    app = FastAPI(title="GPUC oracle", docs_url=None, redoc_url=None, openapi_url=None)
    # Bodies are bounded in size and JSON depth before any handler parses them.
    app.add_middleware(BodyGuard, max_body_bytes=MAX_BODY_BYTES)

    @app.exception_handler(OracleError)
    @app.exception_handler(ProtocolError)
    async def _known_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"error": type(exc).__name__, "detail": str(exc)}, status_code=_status_for(exc)
        )

    @app.exception_handler(RequestValidationError)
    async def _bad_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e["loc"][1:]), "problem": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse({"error": "InvalidRequest", "detail": problems[:10]}, status_code=422)

    @app.post("/receipts", status_code=202)
    def post_receipt(submission: ReceiptSubmission) -> SubmissionAccepted:
        status = node.intake.accept_submission(submission)
        return SubmissionAccepted(job_id="0x" + submission.job_id.hex(), status=status)

    @app.post("/signatures", status_code=202)
    def post_signature(signed: PeerSignature) -> dict[str, Any]:
        status = node.intake.accept_peer_signature(signed)
        return {"job_id": "0x" + signed.verdict.job_id.hex(), "status": status}

    @app.post("/batch-signatures")
    def post_batch_signature(request: BatchSignatureRequest) -> dict[str, Any]:
        signed = node.intake.cosign_batch(request)
        return {"signer": signed.signer, "signature": "0x" + signed.signature.hex()}

    @app.post("/llm/bills", status_code=202)
    def post_bill(bill: SignedBill) -> dict[str, Any]:
        status = node.intake.accept_bill(bill)
        return {"job_id": "0x" + bill.job_id.hex(), "seq": str(bill.seq), "status": status}

    @app.post(EVIDENCE_PATH, status_code=202)
    def post_evidence(signed: SignedConsumerEvidence) -> SubmissionAccepted:
        status = node.intake.accept_consumer_evidence(signed)
        return SubmissionAccepted(job_id="0x" + signed.job_id.hex(), status=status)

    @app.get("/jobs/{job_id}")
    def get_job(job_id: str) -> Any:
        # Amounts and salts exceed 2**53: decimal strings, so JavaScript reads them exactly.
        return js_safe(jsonable(node.intake.job_view(parse_job_id(job_id))))

    @app.get(HEALTH_PATH)
    @app.get("/healthz", include_in_schema=False)  # operators' monitors may use the old path
    def health() -> JSONResponse:
        health = node.health()
        return JSONResponse(health, status_code=200 if health["status"] == "ok" else 503)

    @app.get("/metrics")
    def get_metrics() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    return app
