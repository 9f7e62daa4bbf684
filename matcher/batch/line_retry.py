"""Batch lines a provider failed, placed again on another provider (pure).

When a provider returns errors for some of a batch's requests and the batch's window has
time left, the answered lines are kept, the failed requests become a smaller input file,
and an all-or-none market buy for them (at the batch's limit) goes to the book without
the providers that failed the batch. If no other provider can take them now, the batch
completes as it is, the failed lines in its error file. The final output merges every
attempt's answers in input order; each line names the provider that answered it.
"""

from __future__ import annotations

import json

from matcher.batch.request_file import RequestFile

__all__ = ["MAX_BATCH_ATTEMPTS", "failed_ids", "merge_answers", "retry_input"]

MAX_BATCH_ATTEMPTS = 3  # providers one batch may go to, the first included


def _lines(data: bytes) -> list[str]:
    return [line for line in data.decode().splitlines() if line.strip()]


def failed_ids(errors: bytes) -> list[str]:
    """custom_ids of an error file's lines."""
    return [str(json.loads(line)["custom_id"]) for line in _lines(errors)]


def retry_input(requests: RequestFile, ids: list[str]) -> bytes:
    """The input file of the requests named by ``ids`` (in input order)."""
    wanted = set(ids)
    lines = [
        json.dumps(
            {"custom_id": r.custom_id, "method": "POST", "url": r.url, "body": r.body},
            separators=(",", ":"),
        )
        for r in requests.requests
        if r.custom_id in wanted
    ]
    return ("\n".join(lines) + "\n").encode()


def merge_answers(
    original: RequestFile, kept: list[str], output: bytes, errors: bytes
) -> tuple[bytes, bytes, int, int]:
    """(output, errors, completed, failed) over every attempt, in the original input order:
    ``kept`` are output lines of earlier attempts, ``output``/``errors`` the last one's."""
    order = {r.custom_id: i for i, r in enumerate(original.requests)}

    def position(line: str) -> int:
        return order.get(str(json.loads(line)["custom_id"]), len(order))

    out = sorted([*kept, *_lines(output)], key=position)
    err = sorted(_lines(errors), key=position)

    def jsonl(lines: list[str]) -> bytes:
        return ("\n".join(lines) + "\n").encode() if lines else b""

    return jsonl(out), jsonl(err), len(out), len(err)
