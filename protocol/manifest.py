"""Deployment manifests: deployments/<chainId>.json, written at deployment, checked on load.

A manifest is only trusted for the chain it was written for: loading checks the
connected chain id and that the code at each address still hashes to what was deployed
(a reset dev chain or another network fails loudly instead of calling empty addresses).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from web3 import Web3

from protocol.artifacts import load_artifact
from protocol.errors import ManifestError, WrongChain
from protocol.rpc import chain_id_of

__all__ = [
    "DEFAULT_DEPLOYMENTS_DIR",
    "ContractRecord",
    "Manifest",
    "load_manifest",
    "load_manifest_file",
    "manifest_path",
    "write_manifest",
]

DEFAULT_DEPLOYMENTS_DIR = Path("deployments")


class ContractRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str
    abi_hash: str
    code_hash: str


class Manifest(BaseModel):
    """Where the contract set lives on one chain and how it was configured."""

    model_config = ConfigDict(frozen=True)

    chain_id: int = Field(gt=0)
    block: int = Field(ge=0, description="block of the first deployment transaction")
    deployer: str
    sources_hash: str
    contracts: dict[str, ContractRecord]
    config: dict[str, Any]

    def address_of(self, name: str) -> str:
        try:
            return self.contracts[name].address
        except KeyError:
            raise ManifestError(
                f"the manifest for chain {self.chain_id} has no {name}: redeploy"
            ) from None


def manifest_path(directory: Path, chain_id: int) -> Path:
    return directory / f"{chain_id}.json"


def write_manifest(manifest: Manifest, directory: Path = DEFAULT_DEPLOYMENTS_DIR) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = manifest_path(directory, manifest.chain_id)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest.model_dump(mode="json"), indent=2, sort_keys=True) + "\n")
    tmp.replace(path)  # atomic: a reader never sees half a manifest
    return path


def code_hash(w3: Web3, address: str) -> str:
    return "0x" + keccak(bytes(w3.eth.get_code(address))).hex()  # type: ignore[arg-type]


def load_manifest(
    w3: Web3, directory: Path = DEFAULT_DEPLOYMENTS_DIR, *, chain_id: int | None = None
) -> Manifest:
    """The manifest of the connected chain, checked against it.

    ``chain_id``, if given, is the chain the caller expects to be on.
    """
    actual = chain_id_of(w3)
    if chain_id is not None and chain_id != actual:
        raise WrongChain(
            f"the RPC endpoint is chain {actual} but chain {chain_id} was expected: "
            "fix the RPC URL or the chain id setting"
        )
    path = manifest_path(directory, actual)
    if not path.exists():
        raise ManifestError(
            f"no deployment manifest for chain {actual} at {path}: deploy the contracts to this "
            "chain first (or point the deployments directory at the right folder)"
        )
    return load_manifest_file(w3, path)


def load_manifest_file(w3: Web3, path: Path) -> Manifest:
    """Read ``path`` and check it describes the connected chain."""
    manifest = _read(path)
    actual = chain_id_of(w3)
    if manifest.chain_id != actual:
        raise WrongChain(
            f"manifest {path} is for chain {manifest.chain_id} but the RPC endpoint is chain "
            f"{actual}: use that chain's manifest or deploy to this chain"
        )
    for name, record in manifest.contracts.items():
        found = code_hash(w3, record.address)
        if found != record.code_hash:
            what = "no code" if found == "0x" + keccak(b"").hex() else "other code"
            raise WrongChain(
                f"chain {actual} has {what} at {name} {record.address}, not the deployment in "
                f"{path}: the chain was reset or is another network; redeploy"
            )
        current_abi = load_artifact(name).abi_hash
        if current_abi != record.abi_hash:
            raise ManifestError(
                f"{name}'s ABI changed since the deployment in {path}: redeploy the contracts"
            )
    return manifest


def _read(path: Path) -> Manifest:
    try:
        return Manifest.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise ManifestError(f"manifest {path} does not exist: check the path") from None
    except ValidationError as exc:
        raise ManifestError(
            f"manifest {path} is malformed ({exc.error_count()} problems): redeploy to rewrite it"
        ) from None
