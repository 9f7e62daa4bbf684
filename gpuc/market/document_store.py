"""A content-addressed store of job documents (spec JSON, input files), over HTTP.

    PUT /0x<keccak256>   store the body if it hashes to the name (201; 200 if known)
    GET /0x<keccak256>   the bytes (404 if unknown)

Consumers publish a job's canonical spec and its input file here before they order;
providers fetch them by the hashes the job terms commit to, and the oracles fetch an
embeddings job's input file. Nothing here is trusted: every reader re-hashes.
Mounted next to the matcher (``/documents``) by ``gpuc matcher run``.
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request, Response

from provider.errors import InvalidResultHash, ResultNotFound, ResultStoreError
from provider.results.content_hash import hash_ref, parse_hash_ref, result_hash
from provider.results.store import ResultStore

__all__ = ["MAX_DOCUMENT_BYTES", "create_document_app"]

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


def create_document_app(store: ResultStore, max_bytes: int = MAX_DOCUMENT_BYTES) -> FastAPI:
    app = FastAPI(title="GPUC job documents", docs_url=None, redoc_url=None, openapi_url=None)

    def digest_of(ref: str) -> bytes:
        try:
            return parse_hash_ref(ref)
        except InvalidResultHash as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None

    @app.put("/{ref}")
    async def put_document(ref: str, request: Request) -> Response:
        digest = digest_of(ref)
        body = await request.body()
        if len(body) > max_bytes:
            raise HTTPException(413, f"a document is at most {max_bytes} bytes, got {len(body)}")
        found = result_hash(body)
        if found != digest:
            raise HTTPException(
                status_code=422,
                detail=f"the body hashes to {hash_ref(found)}, not {ref.lower()}: "
                "name a document by the keccak256 of its exact bytes",
            )
        known = store.has(digest)
        try:
            store.put(body)
        except ResultStoreError as exc:
            raise HTTPException(status_code=507, detail=str(exc)) from None
        return Response(status_code=200 if known else 201)

    @app.get("/{ref}")
    def get_document(ref: str) -> Response:
        digest = digest_of(ref)
        try:
            data = store.get(digest)
        except ResultNotFound:
            raise HTTPException(status_code=404, detail=f"no document {ref.lower()}") from None
        except ResultStoreError as exc:
            raise HTTPException(status_code=500, detail=str(exc)) from None
        return Response(data, media_type="application/octet-stream")

    return app
