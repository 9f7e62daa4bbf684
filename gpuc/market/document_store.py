"""A content-addressed store of job documents (spec JSON, input files), over HTTP.

    PUT /0x<keccak256>   store the body if it hashes to the name (201; 200 if known)
    GET /0x<keccak256>   the bytes (404 if unknown)

Consumers publish a job's canonical spec and its input file here before they order;
providers fetch them by the hashes the job terms commit to, and the oracles fetch an
embeddings job's input file. Nothing here is trusted: every reader re-hashes.
Served by ``gpuc matcher run`` at ``/documents`` on the matcher's port, and listed in the
matcher's OpenAPI schema (``/openapi.json``, tag "documents").
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response

from protocol.documents import MAX_DOCUMENT_BYTES
from protocol.wire_ints import parse_ascii_uint
from provider.errors import InvalidResultHash, ResultNotFound, ResultStoreError
from provider.results.content_hash import hash_ref, parse_hash_ref, result_hash
from provider.results.store import ResultStore

__all__ = ["MAX_DOCUMENT_BYTES", "create_document_app", "document_router"]


_REF_DOC = "0x followed by the 64 hex digits of the keccak256 of the document's exact bytes"


def document_router(store: ResultStore, max_bytes: int = MAX_DOCUMENT_BYTES) -> APIRouter:
    """The routes, for mounting at /documents in the matcher's app (and its OpenAPI schema)."""
    router = APIRouter(tags=["documents"])

    def digest_of(ref: str) -> bytes:
        try:
            return parse_hash_ref(ref)
        except InvalidResultHash as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None

    async def bounded_body(request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None and (parse_ascii_uint(declared) or 0) > max_bytes:
            raise HTTPException(413, f"a document is at most {max_bytes} bytes, got {declared}")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_bytes:
                raise HTTPException(413, f"a document is at most {max_bytes} bytes")
        return bytes(body)

    @router.put(
        "/{ref}",
        summary="Store a job document (spec JSON, input file, result) by its hash",
        description=(
            "Consumers upload a job's canonical spec JSON (and an embeddings job's input "
            "file) here before ordering; the provider fetches them by the hashes the job's "
            "terms commit to and refuses a job whose documents are missing. Providers copy "
            f"results here too. `ref` is {_REF_DOC}; the body is the raw bytes "
            f"(at most {max_bytes} bytes). `gpuc buy` does this for you."
        ),
        responses={
            200: {"description": "already stored"},
            201: {"description": "stored"},
            400: {"description": "ref is not 0x + 64 hex digits"},
            413: {"description": "body too large"},
            422: {"description": "the body does not hash to ref"},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        },
    )
    async def put_document(ref: str, request: Request) -> Response:
        digest = digest_of(ref)
        body = await bounded_body(request)
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

    @router.get(
        "/{ref}",
        summary="Fetch a job document or result by its hash",
        description=f"`ref` is {_REF_DOC}. Re-hash what you get: nothing here is trusted.",
        responses={
            200: {"content": {"application/octet-stream": {}}, "description": "the bytes"},
            404: {"description": "no document with this hash"},
        },
    )
    def get_document(ref: str) -> Response:
        digest = digest_of(ref)
        try:
            data = store.get(digest)
        except ResultNotFound:
            raise HTTPException(status_code=404, detail=f"no document {ref.lower()}") from None
        except ResultStoreError as exc:
            raise HTTPException(status_code=500, detail=str(exc)) from None
        return Response(data, media_type="application/octet-stream")

    return router


def create_document_app(store: ResultStore, max_bytes: int = MAX_DOCUMENT_BYTES) -> FastAPI:
    """The store on its own (tests, or a document host without the matcher)."""
    app = FastAPI(title="GPUC job documents")
    app.include_router(document_router(store, max_bytes))
    return app
