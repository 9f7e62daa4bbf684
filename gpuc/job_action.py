"""One shape many commands share: parse a job id, send one transaction about it as some
role, show the job's new status."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from gpuc.context import state
from gpuc.options import tx_fields
from gpuc.parsing import parse_job

if TYPE_CHECKING:  # `gpuc CMD --help` must not load web3
    from protocol.roles.base import Role
    from protocol.tx.sender import MinedTx

__all__ = ["run_job_action"]

R = TypeVar("R", bound="Role")


def run_job_action(
    job: str, role: Callable[[], R], action: Callable[[R, bytes], MinedTx], doing: str, done: str
) -> None:
    out = state().output
    job_id = parse_job(job)  # bad input fails before any connection
    actor = role()
    with out.waiting(doing):
        mined = action(actor, job_id)
    status = actor.status(job_id).status_name
    out.result({"job": job_id, "status": status, **tx_fields(mined)}, title=done)
