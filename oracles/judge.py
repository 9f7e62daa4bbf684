"""Judge one submission: fetch the result (and inputs) and run the kind's verifier.

I/O lives here so the verifiers stay pure: the result is fetched from the URL the
submission gives and must hash to the receipt's resultHash; an embeddings job's
input file must hash to the spec's inputs_hash. An ``llm`` session has no result
file: oracles.llm_judge fetches its bill chain and sampled exchanges instead.
"""

from __future__ import annotations

from oracles.config import OracleConfig
from oracles.llm_judge import LLM_KIND, LLMSessionJudge
from oracles.result_fetch import fetch_result
from oracles.submission import ReceiptSubmission
from oracles.verify.registry import VerifierRegistry
from oracles.verify.report import VerificationReport
from oracles.verify.request import VerificationRequest
from protocol.compute.specs import ContainerSpec, EmbeddingsSpec, parse_spec
from protocol.typed_data import Domain

__all__ = ["Judge"]


class Judge:
    def __init__(
        self,
        registry: VerifierRegistry,
        *,
        domain: Domain,
        secret: bytes,
        config: OracleConfig,
        llm: LLMSessionJudge | None = None,
    ) -> None:
        self.registry = registry
        self.llm = llm
        self.domain = domain
        self._secret = secret
        self._config = config

    @property
    def kinds(self) -> tuple[str, ...]:
        kinds = self.registry.kinds
        return kinds if self.llm is None else tuple(sorted({*kinds, LLM_KIND}))

    def judge(self, submission: ReceiptSubmission, accepted_at: int) -> VerificationReport:
        """Raises ResultFetchError when the result cannot be had (try again later) and
        another OracleError when the job cannot be judged at all."""
        if self.llm is not None and submission.spec.get("kind") == LLM_KIND:
            return self.llm.judge(submission, accepted_at)
        spec = parse_spec(submission.spec)
        result = self._fetch(submission.result_url, submission.receipt.result_hash)
        inputs = None
        # Embeddings jobs have an input file; container jobs may have one.
        digest = spec.inputs_digest if isinstance(spec, EmbeddingsSpec | ContainerSpec) else None
        if digest is not None and submission.inputs_url is not None:
            inputs = self._fetch(submission.inputs_url, digest)
        request = VerificationRequest(
            domain=self.domain,
            terms=submission.terms,
            spec=submission.spec,
            receipt=submission.receipt,
            signature=submission.signature,
            result=result,
            inputs=inputs,
            image_url=None if submission.image_url is None else str(submission.image_url),
            units_per_second=self._config.units_per_second(submission.terms.provider, spec.kind),
            accepted_at=accepted_at,
            secret=self._secret,
        )
        return self.registry.verify(request)

    def _fetch(self, url: str, digest: bytes) -> bytes:
        return fetch_result(
            url,
            digest,
            max_bytes=self._config.result_max_bytes,
            timeout=self._config.fetch_timeout,
        )
