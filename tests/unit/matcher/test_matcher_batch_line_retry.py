"""Batch line retries, pure: the failed requests' input file and the merged output."""

from __future__ import annotations

import json

from matcher.batch.line_retry import failed_ids, merge_answers, retry_input
from matcher.batch.output_file import RequestResult, build_result_files
from matcher.batch.request_file import parse_request_file

LINES = [
    {
        "custom_id": f"r{i}",
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {"model": "all-minilm-l6-v2", "input": f"text {i}"},
    }
    for i in range(4)
]
ORIGINAL = parse_request_file("\n".join(json.dumps(x) for x in LINES).encode())


def test_failed_lines_become_a_smaller_input_file_in_input_order() -> None:
    out, err, completed, failed = build_result_files(
        "batch_1",
        ORIGINAL,
        [
            RequestResult(custom_id="r0", body={"ok": 0}),
            RequestResult(custom_id="r1", status_code=500),
            RequestResult(custom_id="r2", body={"ok": 2}),
            RequestResult(custom_id="r3", error={"code": "oom", "message": "x"}),  # type: ignore[arg-type]
        ],
        provider="0xA",
    )
    assert (completed, failed) == (2, 2)
    assert failed_ids(err) == ["r1", "r3"]
    retry = parse_request_file(retry_input(ORIGINAL, ["r3", "r1"]))
    assert [r.custom_id for r in retry.requests] == ["r1", "r3"]
    assert [r.body for r in retry.requests] == [LINES[1]["body"], LINES[3]["body"]]

    # The second provider answers r3 and fails r1 again: merged in input order.
    out2, err2, _, _ = build_result_files(
        "batch_1",
        retry,
        [
            RequestResult(custom_id="r1", status_code=503),
            RequestResult(custom_id="r3", body={"ok": 3}),
        ],
        provider="0xB",
    )
    kept = out.decode().splitlines()
    merged_out, merged_err, done, bad = merge_answers(ORIGINAL, kept, out2, err2)
    rows = [json.loads(x) for x in merged_out.decode().splitlines()]
    assert [(r["custom_id"], r["provider"]) for r in rows] == [
        ("r0", "0xA"),
        ("r2", "0xA"),
        ("r3", "0xB"),
    ]
    assert (done, bad) == (3, 1) and failed_ids(merged_err) == ["r1"]
