"""Build the contract artifacts the SDK loads (see scripts/build_artifacts.py).

Compiles through tools/solc (solc-js behind a native-solc interface) with py-solc-x, using the
settings of foundry.toml, so forge tests and the Python SDK run the same bytecode.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

__all__ = ["CONTRACTS", "SETTINGS", "build_artifacts", "sources_hash", "stale_artifacts"]

# Contract name -> source file under contracts/src.
CONTRACTS: dict[str, str] = {
    "GPUCredit": "GPUCredit.sol",
    "CreditSale": "CreditSale.sol",
    "ProviderStaking": "ProviderStaking.sol",
    "OracleCommittee": "OracleCommittee.sol",
    "JobEscrow": "JobEscrow.sol",
}

SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 10_000},
    "evmVersion": "cancun",
    "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
}


def _artifact_dir(root: Path) -> Path:
    return root / "protocol" / "artifacts"


def sources_hash(root: Path) -> str:
    """sha256 over every Solidity source, the OpenZeppelin and solc versions, and the settings."""
    h = hashlib.sha256()
    for path in sorted((root / "contracts" / "src").rglob("*.sol")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    lock = json.loads((root / "package-lock.json").read_text())["packages"]
    for pkg in ("node_modules/@openzeppelin/contracts", "node_modules/solc"):
        h.update(f"{pkg}@{lock[pkg]['version']}".encode())
    h.update(json.dumps(SETTINGS, sort_keys=True).encode())
    return h.hexdigest()


def build_artifacts(root: Path) -> dict[str, Path]:
    import solcx  # only the build needs the compiler wrapper

    sources = {
        f"contracts/src/{file}": {"urls": [f"contracts/src/{file}"]} for file in CONTRACTS.values()
    }
    standard_input = {"language": "Solidity", "sources": sources, "settings": SETTINGS}
    output = solcx.compile_standard(
        standard_input,
        solc_binary=root / "tools" / "solc",
        base_path=str(root),
        allow_paths=[str(root)],
    )
    digest = sources_hash(root)
    out_dir = _artifact_dir(root)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, file in CONTRACTS.items():
        compiled = output["contracts"][f"contracts/src/{file}"][name]
        artifact = {
            "contractName": name,
            "abi": compiled["abi"],
            "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
            "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
            "sourcesHash": digest,
        }
        path = out_dir / f"{name}.json"
        path.write_text(json.dumps(artifact, indent=1, sort_keys=True) + "\n")
        written[name] = path
    return written


def stale_artifacts(root: Path) -> list[str]:
    """Names of artifacts missing or built from other sources than the ones on disk."""
    digest = sources_hash(root)
    stale = []
    for name in CONTRACTS:
        path = _artifact_dir(root) / f"{name}.json"
        if not path.exists() or json.loads(path.read_text()).get("sourcesHash") != digest:
            stale.append(name)
    return stale
