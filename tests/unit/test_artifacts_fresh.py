"""The ABI and bytecode the SDK loads must come from the Solidity sources on disk."""

from __future__ import annotations

import json
from pathlib import Path

from tools.codegen.artifacts_build import CONTRACTS, sources_hash, stale_artifacts

ROOT = Path(__file__).resolve().parents[2]


def test_artifacts_match_sources() -> None:
    stale = stale_artifacts(ROOT)
    assert stale == [], f"stale artifacts {stale}: run `make artifacts`"


def test_staleness_is_detected_when_a_source_changes(tmp_path: Path) -> None:
    # Copy the inputs of the hash, change one byte of one contract, and the hash must move.
    # Every source the hash reads (contracts, interfaces, libraries, abstract bases).
    sources = sorted((ROOT / "contracts/src").rglob("*.sol"))
    assert {f"{name}.sol" for name in CONTRACTS} <= {p.name for p in sources}
    for path in [ROOT / "package-lock.json", *sources]:
        dst = tmp_path / path.relative_to(ROOT)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(path.read_bytes())
    before = sources_hash(tmp_path)
    assert before == sources_hash(ROOT)
    escrow = tmp_path / "contracts/src/JobEscrow.sol"
    escrow.write_text(escrow.read_text() + "\n// changed\n")
    assert sources_hash(tmp_path) != before


def test_every_artifact_has_abi_and_bytecode() -> None:
    for name in CONTRACTS:
        artifact = json.loads((ROOT / "protocol/artifacts" / f"{name}.json").read_text())
        assert artifact["contractName"] == name
        assert len(artifact["abi"]) > 0
        assert artifact["bytecode"].startswith("0x") and len(artifact["bytecode"]) > 1000
