"""gpuc buy: order compute, open the job on chain, wait, fetch and check the result."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from gpuc.context import cli_command, state
from gpuc.errors import UsageError
from gpuc.options import amount
from gpuc.parsing import parse_amount

app_help = "Buy compute: match, open on chain, upload the documents, wait, fetch the result."


def _spec_and_inputs(
    spec: str | None, spec_file: Path | None, texts: Path | None
) -> tuple[dict[str, Any], bytes | None]:
    """(spec document, input file) from --spec/--spec-file, or an embeddings job built from
    --texts (one input text a line)."""
    from protocol.compute.embedding_inputs import encode_inputs, inputs_hash
    from protocol.compute.specs import EMBEDDING_MODELS

    given = [x for x in (spec, spec_file, texts) if x is not None]
    if len(given) != 1:
        raise UsageError("give exactly one of --spec JSON, --spec-file PATH or --texts PATH")
    if texts is not None:
        try:
            lines = [line for line in texts.read_text(encoding="utf-8").splitlines() if line]
        except OSError as exc:
            raise UsageError(f"cannot read --texts {texts}: {exc.strerror}") from None
        if not lines:
            raise UsageError(f"--texts {texts} holds no text: write one input a line")
        data = encode_inputs(lines)
        document = {"kind": "embeddings", "model": EMBEDDING_MODELS[0],
                    "inputs_hash": inputs_hash(data), "count": len(lines)}  # fmt: skip
        return document, data
    try:
        text = spec_file.read_text() if spec_file is not None else str(spec)
        document = json.loads(text)
    except OSError as exc:
        raise UsageError(f"cannot read --spec-file {spec_file}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"job spec is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(document, dict) or "kind" not in document:
        raise UsageError('job spec must be a JSON object with a "kind" (e.g. {"kind": "matmul"})')
    return document, None


def _image_archive_path(
    document: dict[str, Any], flag: Path | None, spec_file: Path | None
) -> Path | None:
    """The image archive to upload: --image-archive, or a spec's "image_archive" that is a
    path (relative to the spec file) rather than the 0x hash of an uploaded one."""
    named = document.get("image_archive")
    if isinstance(named, str) and not re.fullmatch(r"0x[0-9a-f]{64}", named):
        if flag is not None:
            raise UsageError("give the image archive once: --image-archive or the spec's field")
        del document["image_archive"]
        path = Path(named)
        return path if path.is_absolute() or spec_file is None else spec_file.parent / path
    return flag


@cli_command
def buy(
    resource: Annotated[str, typer.Argument(help="What to buy, e.g. matmul or all-minilm-l6-v2.")],
    max_price: Annotated[
        str, typer.Option("--max-price", help="Most GPUC you pay per unit, e.g. 0.05.")
    ],
    spec: Annotated[str | None, typer.Option(help="Job spec JSON.")] = None,
    spec_file: Annotated[Path | None, typer.Option(help="File holding the job spec JSON.")] = None,
    texts: Annotated[
        Path | None,
        typer.Option(help="Embeddings job from a text file (one input a line); no spec needed."),
    ] = None,
    image_archive: Annotated[
        Path | None,
        typer.Option(
            help="Container job: run your own image, an OCI or Docker archive "
            "(`podman save -o image.tar IMAGE`); uploaded in chunks, the spec's image is "
            'set to its id. A spec file may instead give "image_archive": "PATH".',
        ),
    ] = None,
    limit: Annotated[
        bool,
        typer.Option(
            "--limit/--market-order",
            help="Limit buy: wait until an offer at or below --max-price appears "
            "(default: market buy, take the best offer now or fail).",
        ),
    ] = False,
    wait_fill: Annotated[
        float, typer.Option(min=1, help="Seconds a limit buy waits for a price.")
    ] = 600.0,
    wait_job: Annotated[
        float, typer.Option(min=1, help="Seconds to wait for the job to be settled.")
    ] = 900.0,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the result bytes to this file.")
    ] = None,
) -> None:
    """Buy one job: upload its documents, order it (market or limit), open it on chain with
    a permit, wait while it is accepted, run and judged, then fetch the result, check its
    hash and show what was paid and what came back. Needs GPUC_PRIVATE_KEY (or --keystore)
    and the matcher's URL (--matcher or GPUC_MATCHER_URL)."""
    from gpuc.market.buy import buy as buy_job
    from protocol.documents import DOCUMENTS_PATH
    from protocol.matcher_client import MatcherClient
    from protocol.roles import Consumer

    s = state()
    out = s.output
    price_wei = parse_amount(max_price, "--max-price")
    document, inputs = _spec_and_inputs(spec, spec_file, texts)
    archive = _image_archive_path(document, image_archive, spec_file)
    if archive is not None:  # a bad archive fails here, before any connection
        from gpuc.market.image_upload import check_image_archive

        check_image_archive(document, archive)
    if output is not None and output.is_dir():
        raise UsageError(f"--output {output} is a folder: name a file")
    protocol = s.protocol()
    wallet = s.wallet()
    matcher_url = s.settings.matcher_url.rstrip("/")
    started = time.monotonic()

    def step(name: str, fields: dict[str, Any]) -> None:
        if out.json_mode:
            return
        detail = ", ".join(f"{k} {v}" for k, v in fields.items())
        out.errors.print(f"[{time.monotonic() - started:6.1f} s] {name}: {detail}", markup=False)

    with MatcherClient(matcher_url, chain_id=protocol.chain_id, wallet=wallet) as matcher:
        outcome = buy_job(
            Consumer(protocol, wallet),
            matcher,
            matcher_url + DOCUMENTS_PATH,
            resource,
            document,
            max_price_wei=price_wei,
            inputs=inputs,
            image_archive=archive,
            kind="limit" if limit else "market",
            fill_timeout=wait_fill,
            job_timeout=wait_job,
            on_step=step,
        )
    if output is not None and outcome.result is not None:
        output.write_bytes(outcome.result)
    data = outcome.model_dump()
    for field in ("price_per_unit", "budget", "provider_pay", "change", "fee", "compensation"):
        wei = data.pop(f"{field}_wei")
        data.update(amount(field, wei))
    data["result_bytes"] = None if outcome.result is None else len(outcome.result)
    data["result_verified"] = outcome.result is not None
    if output is not None and outcome.result is not None:
        data["result_file"] = str(output)
    out.result(data, title=f"job {outcome.status}")
    jid = "0x" + outcome.job_id.hex()
    if outcome.result is not None and output is None:
        out.note(f"save the result with: gpuc job result {jid} -o FILE")
    out.note("the change and any compensation are claimable: gpuc credits claim")
