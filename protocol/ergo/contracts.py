"""The four GPUC ErgoScript contracts (contracts/ergo/*.es), compiled for one deployment."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ergo_lib_python.chain import Constant, EcPoint
from pydantic import BaseModel, ConfigDict, Field

from protocol.ergo.compiled_contract import CompiledContract
from protocol.ergo.compiler import compile_script
from protocol.ergo.errors import ContractSourceError
from protocol.ergo.types import PublicKeyHex, TokenIdHex

__all__ = [
    "CONTRACT_NAMES",
    "ContractParams",
    "ErgoContracts",
    "compile_contracts",
    "contract_source",
    "default_source_dir",
]

CONTRACT_NAMES = ("verdict", "bank", "escrow", "collateral")


def default_source_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "contracts" / "ergo"


def contract_source(name: str, source_dir: Path | None = None) -> str:
    path = (source_dir or default_source_dir()) / f"{name}.es"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContractSourceError(
            f"cannot read ErgoScript source {path}: {exc.strerror}; run from a full checkout "
            "or pass source_dir"
        ) from exc


class ContractParams(BaseModel):
    """What a deployment fixes at compile time: token ids, the committee and the treasury."""

    model_config = ConfigDict(frozen=True)

    gpuc_id: TokenIdHex
    verdict_nft: TokenIdHex
    oracle_keys: tuple[PublicKeyHex, ...] = Field(min_length=1)
    threshold: int = Field(ge=1)
    treasury_tree_hex: str = Field(pattern=r"^([0-9a-f]{2})+$")

    def model_post_init(self, _context: object) -> None:
        if self.threshold > len(self.oracle_keys):
            raise ValueError(
                f"threshold {self.threshold} exceeds the {len(self.oracle_keys)} oracle keys"
            )
        if len(set(self.oracle_keys)) != len(self.oracle_keys):
            raise ValueError("oracle keys must be distinct")


class ErgoContracts(BaseModel):
    """A deployment's compiled contracts; JSON-serialisable, so no JVM is needed after this."""

    model_config = ConfigDict(frozen=True)

    params: ContractParams
    verdict: CompiledContract
    bank: CompiledContract
    escrow: CompiledContract
    collateral: CompiledContract


def _keys(keys: Sequence[str]) -> Constant:
    return Constant([Constant(EcPoint(bytes.fromhex(k))) for k in keys])


def compile_contracts(params: ContractParams, source_dir: Path | None = None) -> ErgoContracts:
    """Compile all four contracts; the collateral script pins the escrow script by hash."""
    gpuc = Constant(bytes.fromhex(params.gpuc_id))
    nft = Constant(bytes.fromhex(params.verdict_nft))

    def build(name: str, constants: dict[str, Constant]) -> CompiledContract:
        return compile_script(name, contract_source(name, source_dir), constants)

    verdict = build(
        "verdict",
        {"oracleKeys": _keys(params.oracle_keys), "threshold": Constant.from_i32(params.threshold)},
    )
    bank = build("bank", {"gpucId": gpuc})
    escrow = build("escrow", {"gpucId": gpuc, "verdictNft": nft})
    collateral = build(
        "collateral",
        {
            "gpucId": gpuc,
            "verdictNft": nft,
            "escrowHash": Constant(escrow.script_hash),
            "treasury": Constant(bytes.fromhex(params.treasury_tree_hex)),
        },
    )
    return ErgoContracts(
        params=params, verdict=verdict, bank=bank, escrow=escrow, collateral=collateral
    )
