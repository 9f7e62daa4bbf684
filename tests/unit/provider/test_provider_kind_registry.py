"""Kinds by name, refusals by exception, and what a job process may be asked to run."""

from __future__ import annotations

import pytest

from protocol.compute.errors import InvalidJobSpec, MalformedInputs, ModelUnavailable
from provider.errors import JobRefused, UnknownJobKind
from provider.execution.default_kinds import default_registry
from provider.execution.job import JobRequest
from provider.execution.job_process import runner_reference
from provider.execution.kinds.matmul import MATMUL, run_matmul
from provider.execution.limits import ResourceLimits
from provider.execution.outcome import RefusalReason
from provider.execution.refusals import refusal_of
from provider.execution.registry import KindRegistry


def test_default_registry_offers_the_three_kinds() -> None:
    assert default_registry().names() == ("container", "embeddings", "matmul")


def test_unknown_kind_names_the_registered_ones() -> None:
    with pytest.raises(UnknownJobKind, match=r"'video'.*container, embeddings, matmul"):
        default_registry().get("video")


def test_a_kind_registers_once() -> None:
    registry = KindRegistry([MATMUL])

    with pytest.raises(ValueError, match="already registered"):
        registry.register(MATMUL)


def test_runner_reference_is_importable_by_name() -> None:
    assert runner_reference(run_matmul) == "provider.execution.kinds.matmul:run_matmul"


def test_a_lambda_cannot_be_a_runner() -> None:
    with pytest.raises(ValueError, match="module-level function"):
        runner_reference(lambda context: b"")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (JobRefused(RefusalReason.NO_CONTAINER_ENGINE, "none"), RefusalReason.NO_CONTAINER_ENGINE),
        (ModelUnavailable("no torch"), RefusalReason.UNSUPPORTED),
        (MalformedInputs("bad json"), RefusalReason.INVALID_INPUTS),
        (InvalidJobSpec("n: too big"), RefusalReason.INVALID_SPEC),
    ],
)
def test_refusals_by_exception(error: Exception, reason: RefusalReason) -> None:
    refusal = refusal_of(error)

    assert refusal is not None
    assert refusal[0] is reason


def test_job_bugs_are_not_refusals() -> None:
    assert refusal_of(RuntimeError("bug")) is None
    assert refusal_of(MemoryError()) is None


def test_job_request_needs_a_32_byte_id() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        JobRequest(job_id=b"\x01", spec={"kind": "matmul"})


def test_limits_reject_nonsense() -> None:
    with pytest.raises(ValueError, match="wall_seconds"):
        ResourceLimits(wall_seconds=0)
    with pytest.raises(ValueError, match="memory_bytes"):
        ResourceLimits(memory_bytes=1024)
