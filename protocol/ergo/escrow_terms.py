"""Job escrow terms as held in the escrow box registers (R4-R9); the budget is its GPUC."""

from __future__ import annotations

from ergo_lib_python.chain import Constant, EcPoint, ErgoBox, NonMandatoryRegisterId
from pydantic import BaseModel, ConfigDict

from protocol.ergo.register_codec import read_bytes, read_group_element, read_int, read_long
from protocol.ergo.types import ErgoLong, Hash32Hex, Height, PublicKeyHex

__all__ = ["EscrowTerms"]

R = NonMandatoryRegisterId


class EscrowTerms(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_id: Hash32Hex
    provider_key: PublicKeyHex
    consumer_key: PublicKeyHex
    price_per_unit: ErgoLong
    timeout_height: Height
    compensation: ErgoLong

    def registers(self) -> dict[NonMandatoryRegisterId, Constant]:
        return {
            R.R4: Constant(bytes.fromhex(self.job_id[2:])),
            R.R5: Constant(EcPoint(bytes.fromhex(self.provider_key))),
            R.R6: Constant(EcPoint(bytes.fromhex(self.consumer_key))),
            R.R7: Constant.from_i64(self.price_per_unit),
            R.R8: Constant.from_i32(self.timeout_height),
            R.R9: Constant.from_i64(self.compensation),
        }

    @classmethod
    def from_box(cls, box: ErgoBox) -> EscrowTerms:
        regs = box.additional_registers
        return cls(
            job_id="0x" + read_bytes(regs, R.R4).hex(),
            provider_key=read_group_element(regs, R.R5),
            consumer_key=read_group_element(regs, R.R6),
            price_per_unit=read_long(regs, R.R7),
            timeout_height=read_int(regs, R.R8),
            compensation=read_long(regs, R.R9),
        )
