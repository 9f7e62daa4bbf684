"""Render protocol/contract_errors.py from the contract ABIs and the errors' NatSpec.

Pure text in, text out (ruff format tidies the layout afterwards):
scripts/gen_contract_errors.py does the file I/O, and a test renders again and compares,
so the committed module cannot go stale silently.
"""

from __future__ import annotations

import keyword
import re
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict

__all__ = [
    "ErrorSpec",
    "collect_errors",
    "enum_members",
    "natspec_summaries",
    "render_module",
    "snake_case",
]

_PY_TYPES = {"address": "str", "bool": "bool", "string": "str"}
_ERROR_DECL = re.compile(r"\berror\s+(\w+)\s*\(([^)]*)\)\s*;")
_TAG = re.compile(r"@(\w+)\s*")
_ENUM_DECL = re.compile(r"\benum\s+(\w+)\s*\{([^}]*)\}")


class ErrorSpec(BaseModel):
    """One Solidity custom error as the ABI declares it."""

    model_config = ConfigDict(frozen=True)

    name: str
    types: tuple[str, ...]
    params: tuple[str, ...]
    summary: str
    # parameter -> member names, for parameters that are Solidity enums
    enums: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.types)})"

    @property
    def selector(self) -> bytes:
        return keccak(text=self.signature)[:4]


def snake_case(name: str) -> str:
    """Solidity parameter name -> Python attribute (nowTime -> now_time)."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name.rstrip("_")).lower()
    return snake + "_" if keyword.iskeyword(snake) else snake


def _python_type(abi_type: str) -> str:
    if abi_type in _PY_TYPES:
        return _PY_TYPES[abi_type]
    if abi_type.startswith(("uint", "int")) and "[" not in abi_type:
        return "int"
    if abi_type.startswith("bytes") and "[" not in abi_type:
        return "bytes"
    return "Any"


def _comment_before(source: str, start: int) -> str:
    """The NatSpec block (/// lines or one /** */ block) right above offset ``start``."""
    lines = source[:start].rstrip().splitlines()
    block: list[str] = []
    if lines and lines[-1].strip().endswith("*/"):
        while lines:
            line = lines.pop().strip()
            block.insert(0, line)
            if line.startswith("/**"):
                break
        text = "\n".join(block)
        text = text.removeprefix("/**").removesuffix("*/")
        return "\n".join(ln.strip().lstrip("*").strip() for ln in text.splitlines())
    while lines and lines[-1].strip().startswith("///"):
        block.insert(0, lines.pop().strip()[3:].strip())
    return "\n".join(block)


def _first_tag_text(comment: str) -> str:
    """Text of the first @notice/@dev (or untagged) section, whitespace collapsed."""
    parts = _TAG.split(comment)
    # parts = [untagged, tag1, text1, tag2, text2, ...]
    candidates = [("", parts[0]), *zip(parts[1::2], parts[2::2], strict=True)]
    for tag, text in candidates:
        if tag in ("", "notice", "dev") and text.strip():
            plain = text.replace("`", "").replace("\u2019", "'")
            return " ".join(plain.split())
    return ""


def natspec_summaries(sources: Iterable[str]) -> dict[str, str]:
    """Error name -> first NatSpec sentence block, first source that documents it wins."""
    found: dict[str, str] = {}
    for source in sources:
        for match in _ERROR_DECL.finditer(source):
            name = match.group(1)
            if name in found:
                continue
            summary = _first_tag_text(_comment_before(source, match.start()))
            if summary:
                found[name] = summary
    return found


def enum_members(sources: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Enum name -> member names in declaration order (first declaration wins)."""
    found: dict[str, tuple[str, ...]] = {}
    for source in sources:
        for match in _ENUM_DECL.finditer(source):
            members = tuple(m.strip() for m in match.group(2).split(",") if m.strip())
            found.setdefault(match.group(1), members)
    return found


def _enum_of(param: dict[str, Any], enums: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    internal = str(param.get("internalType", ""))
    if not internal.startswith("enum "):
        return ()
    return enums.get(internal.rsplit(".", 1)[-1].removeprefix("enum "), ())


def _humanise(name: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])([A-Z])", r" \1", name).lower()
    return words[:1].upper() + words[1:] + "."


def collect_errors(
    abis: Mapping[str, list[dict[str, Any]]],
    summaries: Mapping[str, str],
    enums: Mapping[str, tuple[str, ...]] | None = None,
) -> list[ErrorSpec]:
    """Every distinct custom error across ``abis``, sorted by name.

    Two errors with one name but different parameter types would make the
    name -> class mapping ambiguous, so that is refused.
    """
    by_name: dict[str, ErrorSpec] = {}
    for contract in sorted(abis):
        for entry in abis[contract]:
            if entry.get("type") != "error":
                continue
            inputs = entry.get("inputs", [])
            params = tuple(
                snake_case(i["name"]) if i.get("name") else f"arg{n}" for n, i in enumerate(inputs)
            )
            spec = ErrorSpec(
                name=entry["name"],
                types=tuple(i["type"] for i in inputs),
                params=params,
                summary=summaries.get(entry["name"]) or _humanise(entry["name"]),
                enums=tuple(
                    (p, members)
                    for p, i in zip(params, inputs, strict=True)
                    if (members := _enum_of(i, enums or {}))
                ),
            )
            known = by_name.get(spec.name)
            if known is not None and known.types != spec.types:
                raise ValueError(
                    f"error {spec.name} declared as {known.signature} and {spec.signature}"
                )
            by_name.setdefault(spec.name, spec)
    return [by_name[n] for n in sorted(by_name)]


_HEADER = '''"""Solidity custom errors of the GPUC contracts as Python exceptions.

GENERATED by scripts/gen_contract_errors.py from protocol/artifacts/*.json and the
errors' NatSpec; do not edit. tests check that it matches the artifacts.
"""

from __future__ import annotations

from protocol.errors import ContractError

__all__ = [
{all_names}
]
'''


def _docstring(summary: str) -> list[str]:
    text = summary.replace("\\", "\\\\").replace('"""', "'''")
    wrapped = textwrap.wrap(text, width=88)
    if len(wrapped) == 1 and len(wrapped[0]) <= 86:
        return [f'    """{wrapped[0]}"""']
    return ['    """' + wrapped[0], *(f"    {w}" for w in wrapped[1:]), '    """']


def _tuple_literal(items: tuple[str, ...]) -> str:
    inner = ", ".join(f'"{i}"' for i in items)
    return f"({inner},)" if len(items) == 1 else f"({inner})"


def _render_init(spec: ErrorSpec) -> list[str]:
    params = [f"{p}: {_python_type(t)}" for p, t in zip(spec.params, spec.types, strict=True)]
    body = [f"        self.{p} = {p}" for p in spec.params]
    return [
        "",
        f"    def __init__(self, {', '.join(params)}) -> None:",
        *body,
        f"        super().__init__({', '.join(spec.params)})",
    ]


def _render_class(spec: ErrorSpec) -> str:
    lines = [f"class {spec.name}(ContractError):", *_docstring(spec.summary), ""]
    lines.append(f'    signature = "{spec.signature}"')
    lines.append(f'    selector = bytes.fromhex("{spec.selector.hex()}")')
    if spec.params:
        lines.append(f"    abi_types = {_tuple_literal(spec.types)}")
        lines.append(f"    field_names = {_tuple_literal(spec.params)}")
        if spec.enums:
            pairs = ", ".join(f'("{p}", {_tuple_literal(m)})' for p, m in spec.enums)
            lines.append(f"    enum_members = ({pairs},)")
        lines.extend(_render_init(spec))
    return "\n".join(lines)


def render_module(errors: list[ErrorSpec]) -> str:
    all_names = ["ERRORS_BY_SELECTOR", *sorted(e.name for e in errors)]
    out = [_HEADER.format(all_names="\n".join(f'    "{n}",' for n in all_names))]
    for spec in errors:
        out.append("\n" + _render_class(spec) + "\n")
    out.append("\nERRORS_BY_SELECTOR: dict[bytes, type[ContractError]] = {")
    out.extend(f"    {e.name}.selector: {e.name}," for e in errors)
    out.append("}\n")
    return "\n".join(out)
