"""Classes of compute the market trades."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field

from matcher.errors import UnknownResource

RESOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class Resource(BaseModel):
    """One tradable class of compute: a model or a GPU class, and its unit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=RESOURCE_ID.pattern, examples=["llama-3-70b"])
    unit: str = Field(min_length=1, max_length=64, examples=["1k tokens"])
    description: str = Field(default="", max_length=256)


DEFAULT_RESOURCES: tuple[Resource, ...] = (
    Resource(id="llama-3-70b", unit="1k tokens", description="Llama 3 70B inference"),
    Resource(id="llama-3-8b", unit="1k tokens", description="Llama 3 8B inference"),
    Resource(id="gemma-3-270m", unit="1k tokens", description="Gemma 3 270M inference"),
    Resource(id="all-minilm-l6-v2", unit="input", description="sentence embeddings"),
    Resource(id="h100", unit="GPU-second", description="NVIDIA H100 80GB"),
    Resource(id="a100", unit="GPU-second", description="NVIDIA A100 80GB"),
    Resource(id="matmul", unit="GFLOP", description="verifiable matrix multiplication"),
    Resource(id="container-cpu", unit="CPU-second", description="OCI container task, CPU"),
    Resource(id="container-gpu", unit="GPU-second", description="OCI container task, GPU"),
)


class ResourceCatalog:
    """The resources a matcher instance accepts; anything else is refused by name."""

    def __init__(self, resources: tuple[Resource, ...] = DEFAULT_RESOURCES) -> None:
        self._by_id = {r.id: r for r in resources}

    def get(self, resource_id: str, *, field: str = "resource") -> Resource:
        try:
            return self._by_id[resource_id]
        except KeyError:
            known = ", ".join(sorted(self._by_id))
            same = [r for r in self._by_id if r.lower() == resource_id.lower()]
            hint = f" (ids are case-sensitive: did you mean {same[0]!r}?)" if same else ""
            raise UnknownResource(
                f"unknown resource {resource_id!r}{hint}; known resources (case-sensitive): "
                f"{known}",
                field=field,
            ) from None

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._by_id.values())

    def ids(self) -> list[str]:
        return sorted(self._by_id)
