"""gpuc job: open, status, result, logs, cancel, refund, dispute (the consumer's side of a job)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gpuc.context import cli_command, state
from gpuc.errors import GpucError, UsageError
from gpuc.job_action import run_job_action
from gpuc.options import JobArg, amount, tx_fields
from gpuc.parsing import parse_address, parse_amount, parse_job, parse_spec
from protocol.amounts import format_units
from protocol.job_windows import DEFAULT_ACCEPT_WINDOW, DEFAULT_RUN_WINDOW

if TYPE_CHECKING:  # imported where used: `gpuc job CMD --help` must not load web3
    from protocol.job_history import JobHistory
    from protocol.roles import Consumer
    from protocol.typed_data import JobTerms

app = typer.Typer(help="Open jobs and follow them: status, cancel, refund, dispute.")


def _consumer() -> Consumer:
    from protocol.roles import Consumer

    s = state()
    return Consumer(s.protocol(), s.wallet())


def _terms_fields(terms: JobTerms) -> dict[str, Any]:
    return {
        "consumer": terms.consumer,
        "provider": terms.provider,
        **amount("budget", terms.budget),
        **amount("price_per_unit", terms.price_per_unit),
        "max_units": terms.max_units,
        "accept_deadline": terms.accept_deadline,
        "deadline": terms.deadline,
        "spec": terms.spec,
        "salt": str(terms.salt),
    }


@app.command("open")
@cli_command
def open_job(
    provider: Annotated[str, typer.Option(help="The provider's address (from the match).")],
    budget: Annotated[str, typer.Option(help="GPUC locked for the job, e.g. 100.")],
    price: Annotated[str, typer.Option(help="GPUC per unit of work, e.g. 0.5.")],
    spec: Annotated[str | None, typer.Option(help="Job spec JSON (hashed canonically).")] = None,
    spec_file: Annotated[Path | None, typer.Option(help="File holding the job spec JSON.")] = None,
    spec_hash: Annotated[str | None, typer.Option(help="Spec hash, if already computed.")] = None,
    accept_within: Annotated[
        int, typer.Option(min=1, help="Seconds the provider has to accept.")
    ] = DEFAULT_ACCEPT_WINDOW,
    run_within: Annotated[
        int, typer.Option(min=1, help="Seconds from now until the result is due.")
    ] = DEFAULT_RUN_WINDOW,
    permit: Annotated[
        bool, typer.Option(help="Lock the budget with a signed permit (else approve first).")
    ] = True,
) -> None:
    """Lock a budget in escrow for a job with terms you set yourself (low level).

    Provider agents accept only jobs the matcher matched to them: to buy compute, use
    `gpuc buy` (it orders, opens the fill's terms, uploads the documents and waits)."""
    out = state().output
    provider_address = parse_address(provider, "--provider")
    budget_wei = parse_amount(budget, "--budget")
    price_wei = parse_amount(price, "--price")
    spec_bytes = parse_spec(spec, spec_file, spec_hash)
    consumer = _consumer()
    terms = consumer.new_terms(
        provider=provider_address,
        budget=budget_wei,
        price_per_unit=price_wei,
        spec=spec_bytes,
        accept_within=accept_within,
        run_within=run_within,
    )
    with out.waiting("opening job"):
        opened = consumer.open_job(terms, use_permit=permit)
    out.result(
        {"job": opened.job_id, "status": "Open", **_terms_fields(terms), **tx_fields(opened.tx)},
        title="job opened",
    )
    out.note(f"follow it with: gpuc job status 0x{opened.job_id.hex()}")


def _time(at: int | None) -> str | None:
    if at is None:
        return None
    return datetime.fromtimestamp(at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _delivered(history: JobHistory, delivered_at: int) -> str | None:
    at = history.time_of("ReceiptSubmitted") or delivered_at or None
    if at is None and history.first("JobSettled") is not None:
        return "judged off chain: the committee's verdict carried the receipt"
    return _time(at)


@app.command()
@cli_command
def status(job: JobArg) -> None:
    """A job's status, what it waits for, the result it committed to, its times and terms.

    The times and the result hash come from the escrow's events, so a settled job still
    shows them (the escrow clears its slot when it settles)."""
    from gpuc.market.buy import waiting_for
    from protocol.job_history import job_history

    out = state().output
    job_id = parse_job(job)
    protocol = state().protocol()
    terms = protocol.terms(job_id)  # UnknownJob if no JobOpened log names it
    st = protocol.job(job_id)
    history = job_history(protocol, job_id)
    window = int(protocol.contracts.escrow.read("disputeWindow"))
    settled = history.first("JobSettled")
    out.result(
        {
            "job": job_id,
            "status": st.status_name,
            "waiting_for": waiting_for(st.status, terms, protocol.now(), window),
            "result_hash": history.result_hash,
            "units": int(settled.fields["units"]) if settled else st.units,
            "opened_at": _time(history.time_of("JobOpened")),
            "accepted_at": _time(history.time_of("JobAccepted")),
            "delivered_at": _delivered(history, st.delivered_at),
            "settled_at": _time(
                history.time_of("JobSettled")
                or history.time_of("JobSlashed")
                or history.time_of("JobRefunded")
            ),
            "paid_out": st.paid_out or history.first("JobPaidOut") is not None,
            **_terms_fields(terms),
        },
        title="job",
    )


@app.command()
@cli_command
def result(
    job: JobArg,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the result to this file.")
    ] = None,
) -> None:
    """Fetch a job's result from the document store (--matcher / GPUC_MATCHER_URL) by the
    hash the job committed to, and check that the bytes hash to it."""
    import httpx

    from gpuc.market.buy import fetch_result
    from protocol.documents import DOCUMENTS_PATH
    from protocol.job_history import job_history

    s = state()
    out = s.output
    job_id = parse_job(job)
    if output is not None and output.is_dir():
        raise UsageError(f"--output {output} is a folder: name a file")
    protocol = s.protocol()
    protocol.terms(job_id)  # UnknownJob if no JobOpened log names it
    history = job_history(protocol, job_id)
    digest = history.result_hash
    if digest is None:
        status = protocol.job(job_id).status_name
        raise GpucError(
            f"job 0x{job_id.hex()} has no result yet: it is {status} and no receipt or "
            f"verdict has named a result hash; see `gpuc job status 0x{job_id.hex()}`"
        )
    with httpx.Client(timeout=30.0) as http:
        data, url = fetch_result(
            http, [s.settings.matcher_url.rstrip("/") + DOCUMENTS_PATH], digest
        )
    if output is not None:
        output.write_bytes(data)
    out.result(
        {
            "job": job_id,
            "result_hash": digest,
            "bytes": len(data),
            "verified": True,
            "from": url,
            "file": None if output is None else str(output),
        },
        title="job result (hash checked)",
    )


@app.command()
@cli_command
def logs(
    job: JobArg,
    provider_url: Annotated[
        str | None,
        typer.Option(
            "--provider-url",
            help="The provider's result server (GET /logs/0x<job> while the job runs).",
        ),
    ] = None,
    follow: Annotated[
        bool, typer.Option("-f", "--follow", help="Keep printing until the job ends.")
    ] = False,
) -> None:
    """A container job's stdout and stderr: live from the provider while it runs, else the
    signed log inside its result archive (document store, --matcher / GPUC_MATCHER_URL),
    with the archive's hash and the log's sha256 checked."""
    import sys

    import httpx

    from gpuc.job_logs import archive_log, stream_live_log
    from protocol.documents import DOCUMENTS_PATH
    from protocol.job_history import job_history

    s = state()
    out = s.output
    job_id = parse_job(job)
    chunks: list[bytes] = []

    def write(chunk: bytes) -> None:
        if out.json_mode:
            chunks.append(chunk)
        else:
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()

    with httpx.Client(timeout=30.0) as http:
        why_not_live = "no --provider-url given"
        if provider_url is not None:
            live = stream_live_log(http, provider_url, job_id, write, follow=follow)
            if live.served:
                if out.json_mode:
                    text = b"".join(chunks).decode("utf-8", errors="replace")
                    out.result({"job": job_id, "source": "live", "log": text}, title="job log")
                return
            why_not_live = live.reason
        protocol = s.protocol()
        protocol.terms(job_id)  # UnknownJob if no JobOpened log names it
        digest = job_history(protocol, job_id).result_hash
        if digest is None:
            status = protocol.job(job_id).status_name
            raise GpucError(
                f"no log for job 0x{job_id.hex()}: {why_not_live}, and it has no result yet "
                f"(it is {status}); give the provider's --provider-url while it runs"
            )
        found = archive_log(http, s.settings.matcher_url.rstrip("/") + DOCUMENTS_PATH, digest)
    if out.json_mode:
        out.result(
            {
                "job": job_id,
                "source": "archive",
                "result_hash": digest,
                "log_sha256": found.manifest.log_hash,
                "exit_code": found.manifest.exit_code,
                "from": found.url,
                "log": found.log.decode("utf-8", errors="replace"),
            },
            title="job log",
        )
        return
    write(found.log)
    print(
        f"(the signed log in result 0x{digest.hex()}: archive and log sha256 "
        f"{found.manifest.log_hash} checked; exit code {found.manifest.exit_code})",
        file=sys.stderr,
    )


@app.command("list")
@cli_command
def list_jobs(
    ids: Annotated[bool, typer.Option("--ids", help="Print only job ids, oldest first.")] = False,
) -> None:
    """Your jobs (the key's): id, status, provider and budget, oldest first."""
    s = state()
    protocol = s.protocol()
    me = s.wallet().address
    jobs = [(jid, terms, protocol.job(jid).status_name) for jid, terms in protocol.jobs_of(me)]
    if ids and not s.output.json_mode:
        for jid, _, _ in jobs:
            print("0x" + jid.hex())
        return
    rows = [
        ("0x" + jid.hex(), status, terms.provider, format_units(terms.budget))
        for jid, terms, status in jobs
    ]
    data = {
        "consumer": me,
        "jobs": [
            {"job": "0x" + jid.hex(), "status": status, "provider": terms.provider,
             "budget_wei": str(terms.budget)}
            for jid, terms, status in jobs
        ],
    }  # fmt: skip
    s.output.rows(
        title="your jobs", columns=("job", "status", "provider", "budget (GPUC)"),
        rows=rows, data=data,
    )  # fmt: skip


@app.command()
@cli_command
def cancel(job: JobArg) -> None:
    """Cancel a job nobody accepted yet; the budget becomes claimable (gpuc credits claim)."""
    run_job_action(job, _consumer, lambda c, j: c.cancel(j), "cancelling", "job cancelled")


@app.command()
@cli_command
def refund(job: JobArg) -> None:
    """Refund a job not accepted in time (a disputed one ends by verdict or finalize)."""
    run_job_action(job, _consumer, lambda c, j: c.refund(j), "refunding", "job refunded")


@app.command()
@cli_command
def dispute(job: JobArg) -> None:
    """Dispute a delivered result inside the dispute window, posting the dispute bond (10 % of
    the budget by default): it comes back only if the committee proves a fault."""
    run_job_action(job, _consumer, lambda c, j: c.dispute(j), "disputing", "job disputed")
