"""The dashboard's status names are the escrow's JobStatus labels (None aside)."""

from __future__ import annotations

from typing import get_args

from matcher.dashboard.models import JobStatusName
from protocol.typed_data import JobStatus


def test_dashboard_status_names_are_the_job_status_labels() -> None:
    assert get_args(JobStatusName) == tuple(s.label for s in JobStatus if s is not JobStatus.NONE)
