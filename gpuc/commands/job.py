"""gpuc job: open, status, cancel, refund, dispute (the consumer's side of a job)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gpuc.context import cli_command, state
from gpuc.job_action import run_job_action
from gpuc.options import JobArg, amount, tx_fields
from gpuc.parsing import parse_address, parse_amount, parse_job, parse_spec
from protocol.roles import Consumer
from protocol.roles.consumer import DEFAULT_ACCEPT_WINDOW, DEFAULT_RUN_WINDOW
from protocol.typed_data import JobTerms

app = typer.Typer(help="Open jobs and follow them: status, cancel, refund, dispute.")


def _consumer() -> Consumer:
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
    """Lock a budget in escrow for a provider's job."""
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


@app.command()
@cli_command
def status(job: JobArg) -> None:
    """A job's status, delivery and terms."""
    out = state().output
    job_id = parse_job(job)
    protocol = state().protocol()
    terms = protocol.terms(job_id)  # UnknownJob if no JobOpened log names it
    st = protocol.job(job_id)
    out.result(
        {
            "job": job_id,
            "status": st.status_name,
            "delivered_at": st.delivered_at,
            "units": st.units,
            "paid_out": st.paid_out,
            "committed_result": st.committed_result,
            **_terms_fields(terms),
        },
        title="job",
    )


@app.command()
@cli_command
def cancel(job: JobArg) -> None:
    """Cancel a job nobody accepted yet; the budget becomes claimable (gpuc credits claim)."""
    run_job_action(job, _consumer, Consumer.cancel, "cancelling", "job cancelled")


@app.command()
@cli_command
def refund(job: JobArg) -> None:
    """Refund a job not accepted in time (a disputed one ends by verdict or finalize)."""
    run_job_action(job, _consumer, Consumer.refund, "refunding", "job refunded")


@app.command()
@cli_command
def dispute(job: JobArg) -> None:
    """Dispute a delivered result inside the dispute window, posting the dispute bond (10 % of
    the budget by default): it comes back only if the committee proves a fault."""
    run_job_action(job, _consumer, Consumer.dispute, "disputing", "job disputed")
