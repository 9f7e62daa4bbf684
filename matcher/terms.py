"""Job terms a fill produces: what the consumer opens on chain (docs/protocol-types.md)."""

from __future__ import annotations

import math
from typing import Annotated

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from matcher.auth.eip712 import keccak
from matcher.book.config import BookConfig
from matcher.book.fill import Fill
from protocol.wire_ints import WireUint

Bytes32Hex = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{64}$")]
AddressHex = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$")]
TERMS_ABI = ["(address,address,uint96,uint96,uint40,uint40,bytes32,uint256)"]


class JobTerms(BaseModel):
    """`struct JobTerms` field for field; GPUC amounts in wei, times in unix seconds."""

    model_config = ConfigDict(
        frozen=True, alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True
    )

    consumer: AddressHex
    provider: AddressHex
    budget: WireUint = Field(lt=2**96)
    price_per_unit: WireUint = Field(lt=2**96)
    accept_deadline: int = Field(ge=0, lt=2**40)
    deadline: int = Field(ge=0, lt=2**40)
    spec: Bytes32Hex
    salt: WireUint = Field(lt=2**256)

    def job_id(self) -> str:
        """keccak256(abi.encode(terms)), the escrow's id for the job.

        The struct is static (eight 32-byte words), so it is encoded by hand: eth_abi
        cost ~0.8 ms per fill, most of the matching path's CPU (scripts/bench/matcher.py
        --matching profiles it); `abi_encoded` is checked against eth_abi in the tests.
        """
        return "0x" + keccak(self.abi_encoded()).hex()

    def abi_encoded(self) -> bytes:
        return b"".join(
            (
                bytes(12) + bytes.fromhex(self.consumer[2:]),
                bytes(12) + bytes.fromhex(self.provider[2:]),
                self.budget.to_bytes(32, "big"),
                self.price_per_unit.to_bytes(32, "big"),
                self.accept_deadline.to_bytes(32, "big"),
                self.deadline.to_bytes(32, "big"),
                bytes.fromhex(self.spec[2:]),
                self.salt.to_bytes(32, "big"),
            )
        )

    def abi_encoded_by_eth_abi(self) -> bytes:
        """The reference encoding (eth_abi), for tests."""
        return encode(
            TERMS_ABI,
            [
                (
                    to_checksum_address(self.consumer),
                    to_checksum_address(self.provider),
                    self.budget,
                    self.price_per_unit,
                    self.accept_deadline,
                    self.deadline,
                    bytes.fromhex(self.spec[2:]),
                    self.salt,
                )
            ],
        )


def terms_for_fill(fill: Fill, spec: str, config: BookConfig) -> JobTerms:
    """Deterministic in the fill, so a restarted matcher hands out the same terms."""
    return JobTerms(
        consumer=fill.consumer,
        provider=fill.provider,
        budget=fill.cost_wei,
        price_per_unit=fill.price_per_unit_wei,
        accept_deadline=math.ceil(fill.at) + config.accept_window_s,
        deadline=math.ceil(fill.done_by) + config.accept_window_s + config.deadline_grace_s,
        spec=spec,
        salt=int.from_bytes(keccak(text=f"gpuc-matcher-fill:{fill.fill_id}"), "big"),
    )
