"""The ``llm`` session verifier: the bill's hash chain, and a secret sample of
requests re-run with the reference engine.

A session's receipt commits ``units`` (total tokens) and ``result_hash`` (the
head of the bill's hash chain, protocol.llm.bill). The provider hands over the
chain's links and the sampled exchanges (request, answer, the answer's token
ids). For each sampled exchange the verifier checks:

- the request and answer hash to the link's digests, and the link bills exactly
  the answer's prompt + completion tokens;
- the prompt's token count, recounted with the model's tokenizer;
- the token ids decode to the answer's text and their count is the billed
  completion count (a truncated answer billed in full, an inflated count);
- greedy decoding: a teacher-forced pass of the reference model over prompt +
  answer; at every position the claimed token's logprob is within ``tolerance``
  nats of the best one (a different or perturbed model, an answer cached from
  another prompt);
- the finish reason: ``length`` only at ``max_tokens``; ``stop`` only where the
  reference puts a stop token within tolerance of its best (an answer cut short).

Honest noise (thread counts, batch shapes, CPU vs CUDA, another engine with the
same weights) moves logprobs by far less than the tolerance; it only matters at
near-ties, where either token is within tolerance. Samples are keyed by this
oracle's secret, the job id and the committed head (oracles.verify.randomness):
a provider cheating on a fraction f of n requests survives a sample of s with
probability about (1 - f)^s. Pure: the engine is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from oracles.verify.randomness import verifier_rng
from oracles.verify.report import Failure, FailureCode, KindCheck
from protocol.llm.bill import (
    BillLink,
    Exchange,
    SignedBill,
    answer_digest,
    chain_head,
    request_digest,
    verify_bill,
    verify_chain,
)
from protocol.llm.errors import BillError
from protocol.llm.requests import parse_request

__all__ = [
    "DEFAULT_LLM_SAMPLE_SIZE",
    "DEFAULT_LOGPROB_TOLERANCE",
    "ReferenceScorer",
    "calibrate_tolerance",
    "check_consumer_bill",
    "check_exchange",
    "sample_indices",
    "verify_session",
]

# Honest runs here (1 vs 2 threads, batch of 1 vs padded batch, fresh vs cached
# weights) differ by < 1e-3 nats at the chosen token; near-ties need headroom,
# and a different model misses by whole nats (tests/unit/verify/test_llm_verify.py,
# scripts/bench/llm.py).
DEFAULT_LOGPROB_TOLERANCE = 0.25
DEFAULT_LLM_SAMPLE_SIZE = 8


class Position(Protocol):
    @property
    def token_id(self) -> int: ...
    @property
    def logprob(self) -> float: ...
    @property
    def best_id(self) -> int: ...
    @property
    def best_logprob(self) -> float: ...
    @property
    def stop_logprob(self) -> float: ...


class ReferenceScorer(Protocol):
    """What the verifier needs of the reference engine (protocol.llm.transformers_engine)."""

    def encode(self, text: str, bos: bool = True) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...

    def score(
        self, prompt_ids: Sequence[int], answer_ids: Sequence[int], chat: bool
    ) -> Sequence[Position]: ...


def sample_indices(secret: bytes, job_id: bytes, head: bytes, count: int, size: int) -> list[int]:
    """The secret, unpredictable sample of request indices to re-run."""
    if count <= 0:
        return []
    rng = verifier_rng(secret, job_id, head, "llm")
    chosen = rng.choice(count, size=min(size, count), replace=False)
    return sorted(int(i) for i in chosen)


def calibrate_tolerance(
    honest_gaps: Iterable[float], margin: float = 4.0, floor: float = 0.05
) -> float:
    """A tolerance learned from honest runs: the largest gap seen, times a margin,
    never below ``floor``."""
    worst = max(honest_gaps, default=0.0)
    return max(floor, worst * margin)


def check_exchange(
    scorer: ReferenceScorer, link: BillLink, exchange: Exchange, tolerance: float
) -> list[Failure]:
    """Every way ``exchange`` departs from an honest greedy answer."""
    failures: list[Failure] = []

    def fail(code: FailureCode, detail: str) -> list[Failure]:
        failures.append(Failure(code=code, detail=f"request {exchange.index}: {detail}"))
        return failures

    answer = exchange.answer
    if request_digest(exchange.request) != link.request_digest:
        return fail(FailureCode.WRONG_RESULT, "the request does not hash to its link")
    if answer_digest(answer) != link.response_digest:
        return fail(FailureCode.WRONG_RESULT, "the answer does not hash to its link")
    if link.tokens != answer.tokens:
        return fail(
            FailureCode.WRONG_RESULT,
            f"the link bills {link.tokens} tokens, the answer counts {answer.tokens}",
        )
    try:
        request = parse_request(dict(exchange.request))
        prompt_ids = scorer.encode(request.prompt)
    except (ValueError, BillError) as exc:
        return fail(FailureCode.MALFORMED_RESULT, f"the request does not parse: {exc}")
    if answer.prompt_tokens != len(prompt_ids):
        fail(
            FailureCode.WRONG_RESULT,
            f"billed {answer.prompt_tokens} prompt tokens, the tokenizer counts {len(prompt_ids)}",
        )
    answer_ids = (
        list(exchange.token_ids)
        if exchange.token_ids is not None
        else scorer.encode(answer.text, bos=False)
    )
    if scorer.decode(answer_ids) != answer.text:
        return fail(FailureCode.WRONG_RESULT, "the token ids do not decode to the answer's text")
    if answer.completion_tokens != len(answer_ids):
        fail(
            FailureCode.WRONG_RESULT,
            f"billed {answer.completion_tokens} completion tokens, "
            f"the answer has {len(answer_ids)}",
        )
    if len(answer_ids) > request.limit:
        return fail(
            FailureCode.WRONG_RESULT, f"{len(answer_ids)} tokens exceed max_tokens {request.limit}"
        )
    positions = scorer.score(prompt_ids, answer_ids, request.chat)
    for offset, position in enumerate(positions[: len(answer_ids)]):
        gap = position.best_logprob - position.logprob
        if gap > tolerance:
            return fail(
                FailureCode.WRONG_RESULT,
                f"token {offset} ({position.token_id}) is {gap:.3f} nats below the reference's "
                f"greedy choice ({position.best_id}); tolerance {tolerance}",
            )
    if answer.finish_reason == "length" and len(answer_ids) != request.limit:
        fail(
            FailureCode.WRONG_RESULT,
            f"finish_reason 'length' after {len(answer_ids)} of {request.limit} tokens",
        )
    if answer.finish_reason == "stop":
        end = positions[len(answer_ids)]
        if end.best_logprob - end.stop_logprob > tolerance:
            fail(
                FailureCode.WRONG_RESULT,
                f"finish_reason 'stop' after {len(answer_ids)} tokens where the reference "
                "goes on (a truncated answer)",
            )
    return failures


def check_consumer_bill(
    bill: SignedBill, provider: str, links: Sequence[BillLink]
) -> list[Failure]:
    """A bill the consumer holds, signed by the provider, against the committed chain
    ``links``: it must be a prefix of it. A bill with more answers than the chain
    proves the provider committed an earlier bill than its last; one whose head
    differs from the chain's at its ``seq`` proves the provider committed another
    chain than the one it served (a fork). A bill the provider did not sign proves
    nothing (no failure)."""
    try:
        verify_bill(bill, provider)
    except BillError:
        return []
    if bill.seq > len(links):
        return [
            Failure(
                code=FailureCode.WRONG_RESULT,
                detail=f"the consumer holds the provider's bill #{bill.seq} "
                f"({bill.total_tokens} tokens); the committed chain has {len(links)} answers",
            )
        ]
    prefix = links[: bill.seq]
    if (
        chain_head(bill.job_id, prefix) != bill.head
        or sum(link.tokens for link in prefix) != bill.total_tokens
    ):
        return [
            Failure(
                code=FailureCode.WRONG_RESULT,
                detail=f"the consumer's bill #{bill.seq} signed by the provider is not the "
                "committed chain's: the provider committed another chain than it served",
            )
        ]
    return []


def verify_session(
    scorer: ReferenceScorer,
    *,
    job_id: bytes,
    head: bytes,
    units: int,
    links: Sequence[BillLink],
    exchanges: dict[int, Exchange],
    secret: bytes,
    sample_size: int = DEFAULT_LLM_SAMPLE_SIZE,
    tolerance: float = DEFAULT_LOGPROB_TOLERANCE,
    consumer_bill: SignedBill | None = None,
    provider: str | None = None,
) -> KindCheck:
    """Judge one session: the chain against the receipt, the consumer's latest bill
    (when it handed one in) against the chain, then the sampled exchanges.
    ``exchanges`` must hold at least every index of :func:`sample_indices`."""
    try:
        verify_chain(job_id, links, head, units)
    except BillError as exc:
        return KindCheck.fail(FailureCode.WRONG_RESULT, str(exc))
    failures: list[Failure] = []
    if consumer_bill is not None and provider is not None and consumer_bill.job_id == job_id:
        failures.extend(check_consumer_bill(consumer_bill, provider, links))
    sample = sample_indices(secret, job_id, head, len(links), sample_size)
    for index in sample:
        exchange = exchanges.get(index)
        if exchange is None or exchange.index != index:
            failures.append(
                Failure(
                    code=FailureCode.MALFORMED_RESULT,
                    detail=f"request {index}: the provider did not hand over this sampled exchange",
                )
            )
            continue
        failures.extend(check_exchange(scorer, links[index], exchange, tolerance))
    return KindCheck(
        failures=tuple(failures),
        facts={"requests": len(links), "sampled": len(sample), "tolerance": tolerance},
    )
