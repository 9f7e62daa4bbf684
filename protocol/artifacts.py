"""Read the compiled contract artifacts (protocol/artifacts/<Name>.json).

The files are written by scripts/build_artifacts.py (logic in tools.codegen.artifacts_build);
this module only loads them for the SDK.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from protocol.errors import ProtocolError

__all__ = [
    "ARTIFACT_DIR",
    "CONTRACT_NAMES",
    "Artifact",
    "ArtifactError",
    "abi_hash",
    "load_artifact",
]

ARTIFACT_DIR = Path(__file__).resolve().parent / "artifacts"

# Deployment order matters only to protocol.deploy; this is the full set the SDK knows.
CONTRACT_NAMES: tuple[str, ...] = (
    "GPUCredit",
    "CreditSale",
    "ProviderStaking",
    "OracleCommittee",
    "JobEscrow",
)


class ArtifactError(ProtocolError):
    """An artifact is missing or malformed: rebuild with scripts/build_artifacts.py."""


class Artifact(BaseModel):
    """ABI and bytecode of one contract."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    contract_name: str = Field(alias="contractName")
    abi: list[dict[str, Any]]
    bytecode: str
    deployed_bytecode: str = Field(alias="deployedBytecode")
    sources_hash: str = Field(alias="sourcesHash")

    @property
    def abi_hash(self) -> str:
        return abi_hash(self.abi)


def abi_hash(abi: list[dict[str, Any]]) -> str:
    """sha256 of the canonical ABI JSON, recorded in deployment manifests."""
    canonical = json.dumps(abi, sort_keys=True, separators=(",", ":"))
    return "0x" + hashlib.sha256(canonical.encode()).hexdigest()


@cache
def load_artifact(name: str, directory: Path = ARTIFACT_DIR) -> Artifact:
    path = directory / f"{name}.json"
    if not path.exists():
        raise ArtifactError(
            f"contract artifact {path} is missing: run `python scripts/build_artifacts.py`"
        )
    try:
        return Artifact.model_validate_json(path.read_text())
    except ValidationError as exc:
        raise ArtifactError(
            f"contract artifact {path} is malformed ({exc.error_count()} problems): "
            "run `python scripts/build_artifacts.py`"
        ) from exc
