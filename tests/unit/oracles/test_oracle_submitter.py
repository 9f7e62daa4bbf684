"""Who settles a job: rotation by job id, fallback delays."""

from __future__ import annotations

import pytest

from oracles.submitter import rotation, submit_at

MEMBERS = ["0x" + "33" * 20, "0x" + "11" * 20, "0x" + "22" * 20]


def _job(n: int) -> bytes:
    return n.to_bytes(32, "big")


def test_rotation_is_address_order_started_by_the_job_id() -> None:
    ordered = sorted(MEMBERS)
    assert rotation(MEMBERS, _job(0)) == ordered
    assert rotation(MEMBERS, _job(1)) == ordered[1:] + ordered[:1]
    assert rotation(MEMBERS, _job(5)) == ordered[2:] + ordered[:2]


def test_every_member_starts_some_jobs() -> None:
    firsts = {rotation(MEMBERS, _job(n))[0] for n in range(30)}
    assert firsts == set(MEMBERS)


def test_rotation_ignores_order_and_case_of_the_input() -> None:
    shuffled = [MEMBERS[2].upper().replace("0X", "0x"), MEMBERS[0], MEMBERS[1]]
    assert [m.lower() for m in rotation(shuffled, _job(7))] == rotation(MEMBERS, _job(7))


def test_each_next_member_waits_one_more_step() -> None:
    order = rotation(MEMBERS, _job(4))
    times = [submit_at(m, MEMBERS, _job(4), quorum_at=100.0, step=10.0) for m in order]
    assert times == [100.0, 110.0, 120.0]


def test_strangers_and_empty_committees_are_refused() -> None:
    with pytest.raises(ValueError, match="not one of the members"):
        submit_at("0x" + "44" * 20, MEMBERS, _job(1), quorum_at=0.0, step=1.0)
    with pytest.raises(ValueError, match="at least one member"):
        rotation([], _job(1))
