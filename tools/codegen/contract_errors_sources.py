"""Gather the inputs of tools.codegen.contract_errors_codegen from a checkout (file I/O only)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from protocol.artifacts import CONTRACT_NAMES, load_artifact
from tools.codegen.contract_errors_codegen import (
    collect_errors,
    enum_members,
    natspec_summaries,
    render_module,
)

__all__ = ["TARGET", "render_from_tree"]

TARGET = Path("protocol") / "contract_errors.py"


def _solidity_sources(root: Path) -> list[str]:
    # Our interfaces first so their NatSpec wins, then OpenZeppelin in a stable order.
    ours = sorted((root / "contracts" / "src").rglob("*.sol"))
    oz = sorted((root / "node_modules" / "@openzeppelin" / "contracts").rglob("*.sol"))
    return [p.read_text() for p in (*ours, *oz)]


def render_from_tree(root: Path) -> str:
    abis = {name: load_artifact(name).abi for name in CONTRACT_NAMES}
    sources = _solidity_sources(root)
    errors = collect_errors(abis, natspec_summaries(sources), enum_members(sources))
    return _ruff_format(render_module(errors), root)


def _ruff_format(text: str, root: Path) -> str:
    """Lay the module out as `ruff format` would (ruff is a dev dependency)."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", str(TARGET), "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=root,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"ruff format failed on the generated module: {done.stderr.strip()}")
    return done.stdout
