"""The container verifier's own logic (pure): which tasks are re-run, how a re-run
that disagrees or cannot run is judged, and the seconds billed against the receipt.

The re-run is the verifier's injected dependency; these tests pass a plain function
that returns fixed output files. The real re-run on podman is exercised in
tests/provider/test_provider_cheat_vs_verifiers.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from verify_helpers import PROVIDER_KEY, SECRET

from oracles.errors import InvalidVerificationRequest
from oracles.verify.container import ContainerVerifier
from oracles.verify.registry import VerifierRegistry
from oracles.verify.report import FailureCode
from oracles.verify.request import VerificationRequest
from protocol.compute.container_result import ContainerMetrics, pack_result
from protocol.compute.container_spec import ContainerSpec, parse_container_spec
from protocol.compute.errors import ContainerEngineError
from protocol.compute.npy_codec import encode_npy
from tools.sim.jobs import SimJob

OUTPUTS = {"w.npy": encode_npy(np.array([0.5, 1.5], np.float32))}


def spec_document(**fields: Any) -> dict[str, Any]:
    base = {
        "kind": "container",
        "image": "localhost/x:1",
        "command": ["run"],
        "deterministic": True,
    }
    return parse_container_spec({**base, **fields}).as_json()


def request(
    *,
    outputs: dict[str, bytes] = OUTPUTS,
    wall: float = 2.4,
    units: int = 3,
    seconds: int = 3,
    result: bytes | None = None,
    **fields: Any,
) -> VerificationRequest:
    job = SimJob(spec_document(**fields), provider_key=PROVIDER_KEY, max_units=600)
    if result is None:
        metrics = ContainerMetrics(wall_seconds=wall)
        result = pack_result(outputs, b"log\n", metrics, exit_code=0, engine="podman")
    started = job.accepted_at + 2
    receipt = job.receipt(result, units=units, started_at=started, finished_at=started + seconds)
    return job.request(result, receipt, units_per_second=1.0, secret=SECRET)


class Rerun:
    def __init__(self, outputs: dict[str, bytes] | Exception) -> None:
        self.outputs = outputs
        self.calls: list[ContainerSpec] = []

    def __call__(
        self, spec: ContainerSpec, inputs: bytes | None, image_url: str | None
    ) -> dict[str, bytes]:
        self.calls.append(spec)
        if isinstance(self.outputs, Exception):
            raise self.outputs
        return self.outputs


def registry(rerun: Rerun, share: float = 1.0) -> VerifierRegistry:
    verifiers = VerifierRegistry()
    verifiers.register(ContainerVerifier(rerun=rerun, rerun_share=share))
    return verifiers


def test_an_honest_deterministic_task_is_rerun_and_passes() -> None:
    rerun = Rerun(OUTPUTS)

    report = registry(rerun).verify(request())

    assert report.passed, report.failures
    assert report.facts["rerun"] == "match"
    assert len(rerun.calls) == 1


def test_a_rerun_that_disagrees_is_a_wrong_result() -> None:
    rerun = Rerun({"w.npy": encode_npy(np.array([0.5, 2.5], np.float32))})

    report = registry(rerun).verify(request())

    assert report.has(FailureCode.WRONG_RESULT)
    assert "w.npy" in report.failures[0].detail


def test_share_zero_never_reruns_and_non_deterministic_tasks_are_never_rerun() -> None:
    rerun = Rerun(RuntimeError("must not run"))

    assert registry(rerun, share=0.0).verify(request()).facts["rerun"] == "not sampled"
    assert registry(rerun).verify(request(deterministic=False)).passed
    assert rerun.calls == []


def test_a_rerun_that_cannot_run_leaves_the_job_unjudged() -> None:
    rerun = Rerun(ContainerEngineError("image not known"))

    with pytest.raises(InvalidVerificationRequest, match="image not known"):
        registry(rerun).verify(request())
    with pytest.raises(InvalidVerificationRequest, match="no container engine"):
        _only(ContainerVerifier(rerun=None, rerun_share=1.0)).verify(request())


def _only(verifier: ContainerVerifier) -> VerifierRegistry:
    verifiers = VerifierRegistry()
    verifiers.register(verifier)
    return verifiers


@pytest.mark.parametrize(
    ("units", "seconds", "wall", "passes"),
    [
        (3, 3, 2.4, True),  # 3 s billed for a 2.4 s run in a 3-4 s receipt window
        (4, 3, 2.4, True),  # one second of slack on each side
        (5, 3, 2.4, False),  # more than the receipt's span
        (5, 10, 2.4, False),  # more than the signed metrics record
        (30, 3, 2.4, False),  # the inflated-seconds cheat
    ],
)
def test_seconds_billed_are_checked_against_the_receipt_and_the_metrics(
    units: int, seconds: int, wall: float, passes: bool
) -> None:
    report = registry(Rerun(OUTPUTS)).verify(request(units=units, seconds=seconds, wall=wall))

    assert report.passed is passes, report.failures
    if not passes:
        assert report.has(FailureCode.UNITS_ABOVE_WALL_TIME)


def test_a_result_that_is_no_archive_is_malformed() -> None:
    report = registry(Rerun(OUTPUTS)).verify(request(result=b"stdout of a container"))

    assert report.has(FailureCode.MALFORMED_RESULT)
