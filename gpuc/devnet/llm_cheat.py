"""How a dishonest LLM provider cheats (``gpuc llm serve --cheat``), so tests and
the benchmark can show the oracle catches each one.

- ``perturbed_weights``: serves a different model: the same architecture with
  every weight moved by Gaussian noise (cheaper to run than a real model swap,
  and the hardest case: the text still reads fine);
- ``truncated``: sends half of the answer, claims it stopped, bills it in full;
- ``inflated``: honest answer, twice the completion tokens billed;
- ``cached``: answers every request with the first answer it ever computed.

Development only: ``gpuc llm serve --cheat MODE`` hands :func:`answer_tamper` to the
provider's server as its ``answer_tamper`` hook (and serves :func:`perturbed_engine` for
``perturbed_weights``); the provider package itself holds no cheat code.

Pure apart from ``perturbed_engine`` (copies and perturbs a torch model).
"""

from __future__ import annotations

import copy
import threading
from enum import StrEnum
from typing import TYPE_CHECKING

from protocol.llm.transformers_engine import TransformersEngine
from provider.llm.served import AnswerTamper, Served

if TYPE_CHECKING:  # loaded where used: `gpuc llm serve --help` (LLMCheat) stays light
    pass

__all__ = ["LLMCheat", "answer_tamper", "apply_cheat", "perturbed_engine"]


class LLMCheat(StrEnum):
    PERTURBED_WEIGHTS = "perturbed_weights"
    TRUNCATED = "truncated"
    INFLATED = "inflated"
    CACHED = "cached"


def apply_cheat(
    cheat: LLMCheat | None, honest: Served, cached: Served | None, prompt_tokens: int
) -> Served:
    if cheat is None or cheat is LLMCheat.PERTURBED_WEIGHTS:
        return honest
    if cheat is LLMCheat.TRUNCATED and len(honest.steps) >= 2:
        from protocol.llm.bill import Answer

        kept = honest.steps[: len(honest.steps) // 2]
        return Served(
            kept,
            Answer(
                text="".join(s.text for s in kept),
                finish_reason="stop",
                prompt_tokens=prompt_tokens,
                completion_tokens=honest.answer.completion_tokens,
            ),
        )
    if cheat is LLMCheat.INFLATED:
        inflated = honest.answer.model_copy(
            update={"completion_tokens": 2 * honest.answer.completion_tokens}
        )
        return Served(honest.steps, inflated)
    if cheat is LLMCheat.CACHED and cached is not None:
        return Served(
            cached.steps,
            cached.answer.model_copy(update={"prompt_tokens": prompt_tokens}),
        )
    return honest


def answer_tamper(cheat: LLMCheat) -> AnswerTamper | None:
    """The server hook for ``cheat`` (None for ``perturbed_weights``: that one serves a
    different engine, its answers untouched). ``cached`` remembers the first honest answer
    it sees and serves it to every later request."""
    if cheat is LLMCheat.PERTURBED_WEIGHTS:
        return None
    lock = threading.Lock()
    first: list[Served] = []

    def tamper(honest: Served, prompt_tokens: int) -> Served:
        with lock:
            cached = first[0] if first else None
            if not first:
                first.append(honest)
        return apply_cheat(cheat, honest, cached, prompt_tokens)

    return tamper


def perturbed_engine(
    engine: TransformersEngine, scale: float = 0.05, seed: int = 7
) -> TransformersEngine:
    """A copy of ``engine`` whose every weight tensor is moved by ``scale`` times
    its own standard deviation of Gaussian noise."""
    import torch

    model = copy.deepcopy(engine.torch_model)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.numel() < 2:
                continue
            noise = torch.randn(parameter.shape, generator=generator, dtype=parameter.dtype)
            parameter.add_(noise.to(parameter.device) * parameter.std() * scale)
    return TransformersEngine(engine.model, engine.tokenizer, model, engine.device)
