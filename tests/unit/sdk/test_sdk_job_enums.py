"""JobStatus and Outcome match the contracts, and the closed set matches the closing events."""

from __future__ import annotations

from protocol.contract_errors import NotSettled
from protocol.typed_data import (
    CLOSED_STATUSES,
    CLOSING_EVENTS,
    JOB_EVENTS,
    OUTCOME_EVENTS,
    JobStatus,
    Outcome,
)


def test_status_labels_are_the_solidity_enum_names_in_order() -> None:
    # enum_members is generated from the compiled ABI (protocol/contract_errors_codegen.py).
    ((_, solidity_names),) = NotSettled.enum_members
    assert tuple(s.label for s in JobStatus) == solidity_names
    assert JobStatus(5) is JobStatus.SETTLED and JobStatus(5).label == "Settled"


def test_closed_statuses_are_those_the_closing_events_lead_to() -> None:
    assert {JobStatus[e.removeprefix("Job").upper()] for e in CLOSING_EVENTS} == CLOSED_STATUSES
    assert all(s.closed == (s in CLOSED_STATUSES) for s in JobStatus)
    assert 6 in CLOSED_STATUSES and 4 not in CLOSED_STATUSES  # plain ints from the chain
    assert set(CLOSING_EVENTS) <= set(OUTCOME_EVENTS) and "JobPaidOut" not in OUTCOME_EVENTS
    assert JOB_EVENTS[: len(OUTCOME_EVENTS)] == OUTCOME_EVENTS


def test_outcome_values_are_the_escrow_constants() -> None:
    assert (Outcome.RELEASE, Outcome.FAULT) == (1, 2)
