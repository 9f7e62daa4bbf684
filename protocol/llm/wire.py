"""Bounded JSON for the LLM HTTP surfaces: size and nesting are checked before
``json.loads`` (deep nesting crashes a process that imported eth-account, design.md §7)."""

from __future__ import annotations

import json
from typing import Any

from protocol.llm.errors import InvalidLLMRequest

__all__ = ["MAX_JSON_DEPTH", "MAX_REQUEST_BYTES", "json_depth", "parse_bounded_json"]

MAX_REQUEST_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32


def json_depth(body: bytes) -> int:
    """The deepest nesting of objects/arrays in ``body``, ignoring brackets in strings."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):  # { [
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x7D, 0x5D):  # } ]
            depth -= 1
    return deepest


def parse_bounded_json(
    body: bytes, max_bytes: int = MAX_REQUEST_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> dict[str, Any]:
    """A JSON object from ``body``; InvalidLLMRequest naming the limit otherwise."""
    if len(body) > max_bytes:
        raise InvalidLLMRequest(f"body: {len(body)} bytes; at most {max_bytes}")
    depth = json_depth(body)
    if depth > max_depth:
        raise InvalidLLMRequest(f"body: JSON nested {depth} deep; at most {max_depth}")
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidLLMRequest(f"body: not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise InvalidLLMRequest(f"body: a JSON object is required, got {type(document).__name__}")
    return document
