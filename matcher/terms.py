"""Job terms a fill produces: what the consumer opens on chain (docs/protocol-types.md)."""

from __future__ import annotations

import math
from typing import Annotated

from eth_abi.abi import encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

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
        """keccak256(abi.encode(terms)), the escrow's id for the job."""
        encoded = encode(
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
        return "0x" + keccak(encoded).hex()


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
