"""Verifiers registered by job kind, and the one entry point that judges a job."""

from __future__ import annotations

from collections.abc import Callable

from oracles.errors import DuplicateVerifier, InvalidVerificationRequest, UnknownJobKind
from oracles.verify.container import DEFAULT_RERUN_SHARE, ContainerVerifier, Rerun
from oracles.verify.embeddings import EmbeddingsVerifier
from oracles.verify.kind_verifier import KindVerifier
from oracles.verify.matmul import DEFAULT_VECTORS, MatmulVerifier
from oracles.verify.receipt_check import check_receipt, ensure_spec_matches
from oracles.verify.report import VerificationReport
from oracles.verify.request import VerificationRequest
from protocol.compute.embedding_model import Embedder, load_embedder
from protocol.compute.errors import InvalidJobSpec
from protocol.compute.specs import parse_spec
from protocol.compute.units import spec_units

__all__ = ["VerifierRegistry", "default_registry"]


class VerifierRegistry:
    def __init__(self) -> None:
        self._by_kind: dict[str, KindVerifier] = {}

    def register(self, verifier: KindVerifier) -> None:
        if verifier.kind in self._by_kind:
            raise DuplicateVerifier(f"a verifier for kind {verifier.kind!r} is already registered")
        self._by_kind[verifier.kind] = verifier

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_kind))

    def verifier_for(self, kind: object) -> KindVerifier:
        verifier = self._by_kind.get(kind) if isinstance(kind, str) else None
        if verifier is None:
            raise UnknownJobKind(
                f"no verifier for job kind {kind!r}; registered: {', '.join(self.kinds)}"
            )
        return verifier

    def verify(self, request: VerificationRequest) -> VerificationReport:
        """Judge one delivered job. Raises an OracleError when this oracle cannot
        judge it (wrong spec document, unknown kind, missing inputs); returns a
        report whose failures are the provider's faults otherwise."""
        verifier = self.verifier_for(request.spec.get("kind"))
        ensure_spec_matches(request)
        try:
            spec = parse_spec(request.spec)
        except InvalidJobSpec as exc:
            raise InvalidVerificationRequest(f"the job's own spec is invalid: {exc}") from None
        failures = check_receipt(request, spec_units(spec))
        content = verifier.check(spec, request)
        return VerificationReport(
            job_id=request.receipt.job_id,
            kind=spec.kind,
            units=request.receipt.units,
            failures=(*failures, *content.failures),
            facts=content.facts,
        )


def default_registry(
    *,
    vectors: int = DEFAULT_VECTORS,
    embedder_loader: Callable[[str], Embedder] = load_embedder,
    container_rerun: Rerun | None = None,
    container_rerun_share: float = DEFAULT_RERUN_SHARE,
) -> VerifierRegistry:
    """matmul, embeddings and container, with the protocol's default parameters
    (containers are re-run only where ``container_rerun`` is given: it needs an engine)."""
    registry = VerifierRegistry()
    registry.register(MatmulVerifier(vectors=vectors))
    registry.register(EmbeddingsVerifier(embedder_loader=embedder_loader))
    registry.register(ContainerVerifier(rerun=container_rerun, rerun_share=container_rerun_share))
    return registry
