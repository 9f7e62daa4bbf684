"""An OpenAI Batch API job as the agent runs it: the request file in, one response per
request out (pure: no I/O). Embedding requests run as one ``embeddings`` job of all their
texts; requests to endpoints this agent does not serve get an error response each."""

from __future__ import annotations

import json
from typing import Any, Final, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from protocol.compute.embedding_inputs import encode_inputs, inputs_hash
from protocol.compute.specs import EmbeddingsSpec
from provider.errors import JobRefused
from provider.execution.outcome import RefusalReason

__all__ = ["BatchRequest", "batch_spec", "embedding_responses", "parse_batch", "results_bytes"]

EMBEDDINGS_ENDPOINT = "/v1/embeddings"
# The matcher's resource id names the model; the reference code names it like this.
MODEL_NAME: Final[Literal["all-MiniLM-L6-v2"]] = "all-MiniLM-L6-v2"


class BatchRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    custom_id: str
    url: str
    model: str
    texts: tuple[str, ...]


def parse_batch(content: bytes) -> list[BatchRequest]:
    """The requests of a batch input file (JSONL); JobRefused if a line is unusable."""
    requests = []
    for number, line in enumerate(content.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            body = obj["body"]
            raw = body.get("input", "")
            texts = (raw,) if isinstance(raw, str) else tuple(raw)
            if not all(isinstance(t, str) for t in texts):
                raise TypeError("input must be a string or a list of strings")
            requests.append(
                BatchRequest(
                    custom_id=str(obj["custom_id"]),
                    url=str(obj["url"]),
                    model=str(body.get("model", "")),
                    texts=texts,
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise JobRefused(RefusalReason.INVALID_INPUTS, f"batch line {number}: {exc}") from None
    return requests


def _embeddable(requests: list[BatchRequest]) -> list[BatchRequest]:
    return [r for r in requests if r.url == EMBEDDINGS_ENDPOINT and r.texts]


def batch_spec(requests: list[BatchRequest]) -> tuple[dict[str, Any], bytes] | None:
    """The embeddings job (spec document, input file) of every embedding request's texts;
    None when the batch has nothing to embed."""
    texts = [t for r in _embeddable(requests) for t in r.texts]
    if not texts:
        return None
    inputs = encode_inputs(texts)
    spec = EmbeddingsSpec(
        kind="embeddings", model=MODEL_NAME, inputs_hash=inputs_hash(inputs), count=len(texts)
    )
    return spec.as_json(), inputs


def embedding_responses(
    requests: list[BatchRequest], vectors: NDArray[np.floating] | None
) -> list[dict[str, Any]]:
    """One result per request, in OpenAI's response shape; ``vectors`` are the rows of
    the batch_spec job, in request order."""
    results: list[dict[str, Any]] = []
    embeddable = {r.custom_id for r in _embeddable(requests)}
    row = 0
    for request in requests:
        if request.custom_id not in embeddable or vectors is None:
            results.append(
                {
                    "custom_id": request.custom_id,
                    "status_code": 400,
                    "error": {
                        "code": "unsupported_endpoint",
                        "message": f"this provider serves {EMBEDDINGS_ENDPOINT} only",
                    },
                }
            )
            continue
        data = [
            {"object": "embedding", "index": i, "embedding": [float(x) for x in vectors[row + i]]}
            for i in range(len(request.texts))
        ]
        row += len(request.texts)
        tokens = sum(len(t.split()) for t in request.texts)
        results.append(
            {
                "custom_id": request.custom_id,
                "status_code": 200,
                "body": {
                    "object": "list",
                    "data": data,
                    "model": request.model,
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
                },
            }
        )
    return results


def results_bytes(results: list[dict[str, Any]]) -> bytes:
    """The delivered result whose hash the provider commits on chain (canonical JSON)."""
    return json.dumps(results, sort_keys=True, separators=(",", ":")).encode()
