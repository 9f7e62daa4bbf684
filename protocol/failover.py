"""When a consumer should give up on a matched provider, and how it gets its money back
(pure: chain status and times in, a decision out; the job opener acts on it).

A job fails over when its provider
- does not accept in time: the consumer's own accept timeout (then ``cancel``, which the
  escrow allows at once while the job is Open) or the terms' accept deadline (``refund``);
- goes silent while holding the job (no heartbeat at the matcher for ``silence_s``) or
  misses its deadline without delivering.
The same work is then placed again without that provider, up to ``max_attempts`` in all.

The consumer never pays twice for the same work: an attempt is placed again only once its
budget is back. An Accepted job can still be paid until the escrow lets the consumer slash
it for non-delivery (deadline + dispute window: until the deadline the provider may commit
a receipt, and a verdict on a receipt the oracles hold may land until the slash), so a
silent or late provider only makes its attempt *suspect*; the work moves when the slash
can be sent, and the slash returns the budget with compensation from the collateral. A
suspect provider that comes back and delivers is paid for that one attempt, and the work
is done.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from protocol.typed_data import JobStatus, JobTerms

__all__ = ["FailoverAction", "FailoverPolicy", "decide", "reclaim_action"]


class FailoverPolicy(BaseModel):
    """The consumer's settings for automatic failover."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=3, ge=1, le=10)  # placements of one work, first included
    accept_timeout_s: float | None = Field(default=None, gt=0)  # None: the terms' deadline
    silence_s: float = Field(default=30.0, gt=0)  # no heartbeat this long = gone
    blocked: frozenset[str] = frozenset()  # provider addresses never to buy from

    def is_blocked(self, provider: str) -> bool:
        return provider.lower() in {b.lower() for b in self.blocked}


class FailoverAction(StrEnum):
    WAIT = "wait"  # nothing wrong (yet)
    DONE = "done"  # settled: the work is done and paid here
    CANCEL = "cancel"  # Open past the consumer's accept timeout: cancel, place again
    REFUND = "refund"  # Open past the accept deadline: refund, place again
    SUSPECT = "suspect"  # Accepted, silent or late: it may still deliver; wait for the slash
    MIGRATE = "migrate"  # Accepted, non-delivery slashable now: slash, then place again
    REPLACE = "replace"  # slashed by a verdict or refunded by someone: place again


def decide(
    status: int,
    terms: JobTerms,
    *,
    chain_now: int,
    opened_at: int,
    provider_silent_s: float | None,
    policy: FailoverPolicy,
    dispute_window: int,
) -> FailoverAction:
    """What to do with one attempt. ``opened_at`` is the chain time the job was opened;
    ``provider_silent_s`` is how long the matcher has not heard from its provider (None
    when it is heartbeating); ``dispute_window`` is the escrow's."""
    if status == JobStatus.SETTLED:
        return FailoverAction.DONE
    if status in (JobStatus.DELIVERED, JobStatus.DISPUTED):
        return FailoverAction.WAIT  # a result is in: its verdict decides (a fault re-places)
    if status in (JobStatus.SLASHED, JobStatus.REFUNDED):
        return FailoverAction.REPLACE
    if status == JobStatus.OPEN:
        if chain_now > terms.accept_deadline:
            return FailoverAction.REFUND
        timeout = policy.accept_timeout_s
        if timeout is not None and chain_now - opened_at > timeout:
            return FailoverAction.CANCEL
        return FailoverAction.WAIT
    if status == JobStatus.ACCEPTED:
        if reclaim_action(status, terms, chain_now=chain_now, dispute_window=dispute_window) == (
            "slash"
        ):
            return FailoverAction.MIGRATE
        if chain_now > terms.deadline:
            return FailoverAction.SUSPECT
        if provider_silent_s is not None and provider_silent_s >= policy.silence_s:
            return FailoverAction.SUSPECT
    return FailoverAction.WAIT


def reclaim_action(status: int, terms: JobTerms, *, chain_now: int, dispute_window: int) -> str:
    """For a job given up on: "slash" when non-delivery can be slashed now, "refund" when
    an Open job can be refunded, "done" when nothing is left to reclaim, else "wait"."""
    if status == JobStatus.ACCEPTED:
        return "slash" if chain_now > terms.deadline + dispute_window else "wait"
    if status == JobStatus.OPEN:
        return "refund" if chain_now > terms.accept_deadline else "wait"
    return "done"
