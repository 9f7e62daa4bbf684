"""Parse a spec document into the protocol's typed spec of one expected kind."""

from __future__ import annotations

from typing import Any, TypeVar

from protocol.compute.errors import InvalidJobSpec
from protocol.compute.specs import EmbeddingsSpec, MatmulSpec, parse_spec

__all__ = ["typed_spec"]

SpecT = TypeVar("SpecT", MatmulSpec, EmbeddingsSpec)


def typed_spec(document: dict[str, Any], expected: type[SpecT]) -> SpecT:
    spec = parse_spec(document)
    if not isinstance(spec, expected):
        raise InvalidJobSpec(f"expected a {expected.__name__}, got a {spec.kind} spec")
    return spec
