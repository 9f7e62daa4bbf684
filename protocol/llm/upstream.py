"""An OpenAI-compatible upstream a provider already runs (llama.cpp server, vLLM,
Ollama, or another GPUC provider) behind the engine interface.

Tokens come from the upstream's streamed ``/v1/completions`` with ``logprobs``;
token ids are unknown (``token_id=None``), so the provider chains the text and
the oracle re-tokenizes it. Token counts use the upstream's own tokenizer
through the ``usage`` of a one-token completion (every OpenAI-compatible server
reports it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

from protocol.llm.engine import check_params
from protocol.llm.errors import EngineError
from protocol.llm.types import TokenStep, TopLogprob

__all__ = ["UpstreamEngine"]


class UpstreamEngine:
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 60.0,
        upstream_model: str | None = None,
    ) -> None:
        self._model = model
        self._upstream_model = upstream_model or model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)

    @property
    def model(self) -> str:
        return self._model

    def close(self) -> None:
        self._client.close()

    def count_tokens(self, text: str) -> int:
        body = self._post(
            "/v1/completions",
            {"model": self._upstream_model, "prompt": text, "max_tokens": 1},
        )
        try:
            return int(body["usage"]["prompt_tokens"])
        except (KeyError, TypeError, ValueError):
            raise EngineError("the upstream's answer has no usage.prompt_tokens") from None

    def stream(
        self, prompt: str, max_tokens: int, top_logprobs: int = 0, chat: bool = False
    ) -> Iterator[TokenStep]:
        check_params(prompt, max_tokens, top_logprobs)
        payload: dict[str, Any] = {
            "model": self._upstream_model,
            "prompt": prompt,
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": True,
            "logprobs": max(top_logprobs, 1),
        }
        if chat:
            payload["stop"] = ["<end_of_turn>"]
        try:
            with self._client.stream("POST", "/v1/completions", json=payload) as response:
                if response.status_code != 200:
                    response.read()
                    raise EngineError(
                        f"upstream answered {response.status_code}: {response.text[:300]}"
                    )
                for line in response.iter_lines():
                    if not line.startswith("data: "):
                        continue
                    data = line.removeprefix("data: ").strip()
                    if data == "[DONE]":
                        return
                    yield from _steps(json.loads(data), top_logprobs)
        except httpx.HTTPError as exc:
            raise EngineError(f"upstream unreachable: {exc}") from None

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.post(path, json=payload)
        except httpx.HTTPError as exc:
            raise EngineError(f"upstream unreachable: {exc}") from None
        if response.status_code != 200:
            raise EngineError(f"upstream answered {response.status_code}: {response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body


def _steps(chunk: dict[str, Any], top_logprobs: int) -> Iterator[TokenStep]:
    for choice in chunk.get("choices") or []:
        logprobs = choice.get("logprobs") or {}
        tokens = logprobs.get("tokens") or []
        values = logprobs.get("token_logprobs") or []
        tops = logprobs.get("top_logprobs") or []
        if not tokens and choice.get("text"):
            tokens, values = [choice["text"]], [0.0]
        for index, text in enumerate(tokens):
            top = tops[index] if index < len(tops) and tops[index] else {}
            ranked = sorted(top.items(), key=lambda item: -item[1])[:top_logprobs]
            yield TokenStep(
                token_id=None,
                text=text,
                logprob=float(values[index]) if index < len(values) else 0.0,
                top=tuple(TopLogprob(token_id=None, text=t, logprob=float(v)) for t, v in ranked),
            )
