"""Layering that import-linter cannot see: a process started by module name.

`oracles/local_cluster.py` once started `python -m gpuc.cli`, a dependency on a higher
layer hidden in a string. Here every string constant of a lower package that names a
module of a package it may not import (higher layer, sibling service, dev tools) fails.
The layers are pyproject.toml's import-linter contract (docs/architecture.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Packages each runtime package may not reach, by import or by a module name in a string.
FORBIDDEN = {
    "protocol": ("oracles", "matcher", "provider", "gpuc", "tools"),
    "oracles": ("matcher", "provider", "gpuc", "tools"),
    "matcher": ("oracles", "provider", "gpuc", "tools"),
    "provider": ("oracles", "matcher", "gpuc", "tools"),
    "gpuc": ("tools",),
}


def module_names_in(source: str, forbidden: tuple[str, ...]) -> list[str]:
    """String constants in ``source`` that name a module of a ``forbidden`` package
    (``gpuc.cli``, ``-m gpuc.cli``), or follow a ``"-m"`` in a list (``"-m", "gpuc"``)."""
    packages = "|".join(forbidden)
    dotted = re.compile(rf"^(?:-m\s+)?(?:{packages})(?:\.[A-Za-z_][\w.]*)?$")
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip()
            if ("." in text or text.startswith("-m")) and dotted.match(text):
                found.add(text)
        if isinstance(node, ast.List | ast.Tuple):
            for flag, module in zip(node.elts, node.elts[1:], strict=False):
                if (
                    isinstance(flag, ast.Constant)
                    and flag.value == "-m"
                    and isinstance(module, ast.Constant)
                    and isinstance(module.value, str)
                    and dotted.match(module.value)
                ):
                    found.add(module.value)
    return sorted(found)


def test_the_check_finds_a_hidden_upward_launch() -> None:
    launch = 'cmd = [sys.executable, "-m", "gpuc.cli", "oracle", "run"]\nalso = ["-m", "gpuc"]\n'
    assert module_names_in(launch, FORBIDDEN["oracles"]) == ["gpuc", "gpuc.cli"]
    own = 'cmd = [sys.executable, "-m", "oracles.node"]\ntext = "gpuc is a market"\n'
    assert module_names_in(own, FORBIDDEN["oracles"]) == []


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_package_names_a_module_it_may_not_import(package: str) -> None:
    offences = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in module_names_in(path.read_text(encoding="utf-8"), FORBIDDEN[package])
    ]
    assert offences == []
