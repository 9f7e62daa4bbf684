"""The HTTP surface of the result store: ``GET /results/0x<resultHash>``, and
``GET /logs/0x<jobId>`` to follow a running container task's log.

Oracles fetch a delivered job's result here and check it against the hash in
the signed receipt. Unknown hashes answer 404, malformed ones 400, and a stored
file that no longer matches its hash answers 500 rather than wrong bytes.
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import StreamingResponse

from protocol.http_guard import BodyGuard, sane_recursion_limit
from protocol.wire.health import HEALTH_PATH
from provider.errors import InvalidResultHash, ResultCorrupt, ResultNotFound
from provider.results.content_hash import parse_hash_ref
from provider.results.live_logs import LiveLogs
from provider.results.store import ResultStore

__all__ = ["RESULT_MEDIA_TYPE", "create_result_app"]

RESULT_MEDIA_TYPE = "application/octet-stream"


def create_result_app(store: ResultStore, logs: LiveLogs | None = None) -> FastAPI:
    sane_recursion_limit()  # eth-account's imports raised it to 100,000
    app = FastAPI(title="GPUC provider results", docs_url=None, redoc_url=None)
    # Only GET and HEAD are served: any body is refused past a few KB, before parsing.
    app.add_middleware(BodyGuard, max_body_bytes=4096)

    @app.get("/logs/{job_ref}")
    def follow_log(job_ref: str) -> StreamingResponse:
        """A running container task's stdout and stderr, streamed as the task writes
        them; the response ends when the job does (its result holds the signed log)."""
        try:
            job_id = parse_hash_ref(job_ref)
        except InvalidResultHash as exc:
            raise HTTPException(status_code=400, detail=str(exc).replace("result", "job")) from None
        log = None if logs is None else logs.find(job_id)
        if logs is None or log is None:
            raise HTTPException(status_code=404, detail=f"no running container job {job_ref}")
        return StreamingResponse(logs.follow(log), media_type="text/plain; charset=utf-8")

    @app.api_route("/results/{ref}", methods=["GET", "HEAD"])
    def get_result(ref: str) -> Response:
        try:
            digest = parse_hash_ref(ref)
            data = store.get(digest)
        except InvalidResultHash as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        except ResultNotFound:
            raise HTTPException(status_code=404, detail=f"no result {ref.lower()}") from None
        except ResultCorrupt as exc:
            raise HTTPException(status_code=500, detail=str(exc)) from None
        return Response(
            content=data,
            media_type=RESULT_MEDIA_TYPE,
            headers={"ETag": f'"{ref.lower()}"', "Cache-Control": "public, immutable"},
        )

    @app.get(HEALTH_PATH)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
