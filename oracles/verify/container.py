"""The ``container`` verifier: the result archive is well formed and signs its log
and metrics, the seconds billed are no more than the task ran, and a secret random
share of deterministic tasks is re-run and must give the same outputs.

Result format: protocol.compute.container_result (outputs, log, metrics). The
re-run is injected (``rerun``: spec and inputs to the files a fresh run wrote),
so this module stays pure; oracles.node wires in protocol.containers' engine.
Non-deterministic tasks are paid through the dispute window as before; their
log and metrics, signed under the receipt's result hash, are the evidence.
"""

from __future__ import annotations

from collections.abc import Callable

from oracles.errors import InvalidVerificationRequest
from oracles.verify.randomness import verifier_rng
from oracles.verify.report import Failure, FailureCode, KindCheck
from oracles.verify.request import VerificationRequest
from protocol.compute.container_result import compare_outputs, unpack_result
from protocol.compute.container_spec import ContainerSpec, container_units
from protocol.compute.errors import ContainerEngineError, MalformedContainerResult
from protocol.compute.specs import AnyJobSpec

__all__ = ["DEFAULT_RERUN_SHARE", "ContainerVerifier", "Rerun"]

# Share of deterministic tasks re-run. A provider that fabricates a fraction f of
# its deterministic results is caught with probability 1 - (1 - share * f)^jobs.
DEFAULT_RERUN_SHARE = 0.25
# (spec, input file, where the spec's image archive is) -> the files a fresh run wrote.
Rerun = Callable[[ContainerSpec, bytes | None, str | None], dict[str, bytes]]


class ContainerVerifier:
    kind = "container"

    def __init__(
        self, *, rerun: Rerun | None = None, rerun_share: float = DEFAULT_RERUN_SHARE
    ) -> None:
        if not 0.0 <= rerun_share <= 1.0:
            raise ValueError(f"rerun_share must be within [0, 1], got {rerun_share}")
        self.rerun_share = rerun_share
        self._rerun = rerun

    def check(self, spec: AnyJobSpec, request: VerificationRequest) -> KindCheck:
        if not isinstance(spec, ContainerSpec):
            raise InvalidVerificationRequest(f"container verifier given a {spec.kind} spec")
        try:
            result = unpack_result(request.result)
        except MalformedContainerResult as exc:
            return KindCheck.fail(FailureCode.MALFORMED_RESULT, str(exc))
        manifest = result.manifest
        metrics = manifest.metrics
        facts: dict[str, float | int | str] = {
            "exit_code": manifest.exit_code,
            "wall_seconds": metrics.wall_seconds,
            "log_hash": manifest.log_hash,
            "outputs_hash": manifest.outputs_hash,
        }
        if metrics.cpu_seconds is not None:
            facts["cpu_seconds"] = metrics.cpu_seconds
        if metrics.memory_peak_bytes is not None:
            facts["memory_peak_bytes"] = metrics.memory_peak_bytes
        failures = list(_seconds_failures(request, container_units(metrics.wall_seconds)))
        if spec.deterministic:
            failures += self._rerun_failures(spec, request, result.outputs, facts)
        return KindCheck(failures=tuple(failures), facts=facts)

    def _rerun_failures(
        self,
        spec: ContainerSpec,
        request: VerificationRequest,
        outputs: dict[str, bytes],
        facts: dict[str, float | int | str],
    ) -> list[Failure]:
        rng = verifier_rng(
            request.secret, request.receipt.job_id, request.receipt.result_hash, "container-rerun"
        )
        if rng.random() >= self.rerun_share:
            facts["rerun"] = "not sampled"
            return []
        if self._rerun is None:
            raise InvalidVerificationRequest(
                "this deterministic container task was sampled for re-execution and this "
                "oracle has no container engine"
            )
        try:
            reference = self._rerun(spec, request.inputs, request.image_url)
        except ContainerEngineError as exc:
            raise InvalidVerificationRequest(f"cannot re-run the task: {exc}") from None
        problems = compare_outputs(outputs, reference, spec.tolerance)
        facts["rerun"] = "mismatch" if problems else "match"
        if not problems:
            return []
        return [
            Failure(
                code=FailureCode.WRONG_RESULT, detail="re-run disagrees: " + "; ".join(problems)
            )
        ]


def _seconds_failures(request: VerificationRequest, recorded_units: int) -> list[Failure]:
    """A unit is one second of wall time: no more than the receipt's own start and
    finish stamps span (whole seconds, so one more than their difference), nor
    than the run time the signed metrics record."""
    receipt = request.receipt
    window = max(receipt.finished_at - receipt.started_at, 0) + 1
    failures: list[Failure] = []
    if receipt.units > window:
        failures.append(
            Failure(
                code=FailureCode.UNITS_ABOVE_WALL_TIME,
                detail=f"{receipt.units} seconds billed, the receipt's run spans "
                f"at most {window} s",
            )
        )
    if receipt.units > recorded_units + 1:
        failures.append(
            Failure(
                code=FailureCode.UNITS_ABOVE_WALL_TIME,
                detail=f"{receipt.units} seconds billed, the signed metrics record "
                f"{recorded_units} s of run time",
            )
        )
    return failures
