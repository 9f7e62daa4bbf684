"""Who sends the settlement: a rotation by job id, each next member after a delay.

Members are ordered by address; the job id picks where the rotation starts, so
the work spreads over the committee. The first member submits as soon as it holds
k matching signatures; member i of the rotation waits i x ``fallback_after`` more,
so with one member down (or lying) the next one settles. Two members racing can
only cost gas: the escrow settles a job once and a batch skips settled jobs.
"""

from __future__ import annotations

from collections.abc import Collection

__all__ = ["rotation", "submit_at"]


def rotation(members: Collection[str], job_id: bytes) -> list[str]:
    ordered = sorted({m.lower(): m for m in members}.values(), key=lambda a: int(a, 16))
    if not ordered:
        raise ValueError("a rotation needs at least one member")
    start = int.from_bytes(job_id, "big") % len(ordered)
    return ordered[start:] + ordered[:start]


def submit_at(
    me: str, members: Collection[str], job_id: bytes, quorum_at: float, step: float
) -> float:
    """When ``me`` should send the settlement of ``job_id`` (quorum first seen at ``quorum_at``)."""
    order = [m.lower() for m in rotation(members, job_id)]
    if me.lower() not in order:
        raise ValueError(f"{me} is not one of the members {sorted(members)}")
    return quorum_at + order.index(me.lower()) * step
