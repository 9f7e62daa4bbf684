"""The job spec of an LLM session (kind ``llm``): whose canonical hash is the
escrow job's ``spec``. One escrow covers many requests: ``budget`` buys up to
``budget // price_per_unit`` tokens (prompt + completion) at the job's price."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from protocol.job_spec import spec_hash
from protocol.typed_data import JobTerms

__all__ = ["LLMSessionSpec", "session_open_body"]


class LLMSessionSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["llm"] = "llm"
    model: str = Field(min_length=1, max_length=200)
    # keccak of the session's bearer secret (protocol.llm.session_key).
    session_key_hash: str = Field(pattern=r"^0x[0-9a-f]{64}$")

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def hash(self) -> bytes:
        return spec_hash(self.as_json())


def session_open_body(terms: JobTerms, spec: LLMSessionSpec) -> dict[str, Any]:
    """What a consumer POSTs to the provider's ``/llm/sessions`` after opening the
    escrow: the terms in their JSON form (protocol.typed_data.JobTerms) and the spec."""
    return {"terms": terms.model_dump(mode="json"), "spec": spec.as_json()}
