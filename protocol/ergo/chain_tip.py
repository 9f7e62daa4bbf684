"""The last ten block headers and the state context that scripts see (HEIGHT = tip + 1)."""

from __future__ import annotations

from typing import Any

from ergo_lib_python.chain import ErgoStateContext, Header, Parameters, PreHeader
from pydantic import BaseModel, ConfigDict, Field

from protocol.ergo.errors import TxBuildError

__all__ = ["HEADER_COUNT", "ChainTip"]

HEADER_COUNT = 10
_BLOCK_MS = 120_000
_GENESIS_MS = 1_700_000_000_000
_ZERO32 = "00" * 32
# Generator point: a valid group element to stand in for a miner key in synthetic headers.
_GENERATOR = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"


def _synthetic_header(height: int) -> dict[str, Any]:
    return {
        "id": f"{height:064x}",
        "parentId": f"{height - 1:064x}",
        "height": height,
        "timestamp": _GENESIS_MS + height * _BLOCK_MS,
        "version": 3,
        "nBits": 117_440_512,
        "difficulty": "1",
        "votes": "000000",
        "size": 221,
        "stateRoot": "00" * 33,
        "adProofsRoot": _ZERO32,
        "transactionsRoot": _ZERO32,
        "extensionHash": _ZERO32,
        "extensionId": _ZERO32,
        "adProofsId": _ZERO32,
        "transactionsId": _ZERO32,
        "powSolutions": {"pk": _GENERATOR, "w": _GENERATOR, "n": "0" * 16, "d": 0},
    }


class ChainTip(BaseModel):
    """Ten headers, newest first, as the node's ``/blocks/lastHeaders/10`` returns them."""

    model_config = ConfigDict(frozen=True)

    headers: tuple[dict[str, Any], ...] = Field(min_length=HEADER_COUNT, max_length=HEADER_COUNT)

    @classmethod
    def synthetic(cls, next_height: int) -> ChainTip:
        """Offline stand-in for a chain whose next block has height ``next_height``."""
        if next_height <= HEADER_COUNT:
            raise TxBuildError(f"next_height must exceed {HEADER_COUNT}, got {next_height}")
        return cls(headers=tuple(_synthetic_header(next_height - 1 - i) for i in range(10)))

    @property
    def next_height(self) -> int:
        """HEIGHT inside scripts: the height of the block that would include a new tx."""
        return int(self.headers[0]["height"]) + 1

    def pre_header_json(self) -> dict[str, Any]:
        """The next block as far as it can be predicted: child of the tip, one block later."""
        tip = self.headers[0]
        return {
            **tip,
            "id": _ZERO32,
            "parentId": tip["id"],
            "height": self.next_height,
            "timestamp": int(tip["timestamp"]) + _BLOCK_MS,
        }

    def state_context(self) -> ErgoStateContext:
        try:
            headers = [Header.from_json(dict(h)) for h in self.headers]
            pre_header = PreHeader(Header.from_json(self.pre_header_json()))
        except Exception as exc:  # sigma-rust raises its own JSON error types
            raise TxBuildError(f"block headers are not valid Ergo header JSON: {exc}") from exc
        parameters = Parameters.default()  # type: ignore[no-untyped-call]  # stub lacks a type
        return ErgoStateContext(pre_header, headers, parameters)
