"""Provider collateral terms as held in the collateral box registers (R4-R6)."""

from __future__ import annotations

from ergo_lib_python.chain import Constant, EcPoint, ErgoBox, NonMandatoryRegisterId
from pydantic import BaseModel, ConfigDict

from protocol.ergo.register_codec import read_group_element, read_int, read_long
from protocol.ergo.types import ErgoLong, Height, PublicKeyHex

__all__ = ["CollateralTerms"]

R = NonMandatoryRegisterId


class CollateralTerms(BaseModel):
    """``slash_amount`` is what one fault verdict takes; the stake itself is the box's GPUC."""

    model_config = ConfigDict(frozen=True)

    provider_key: PublicKeyHex
    slash_amount: ErgoLong
    unlock_height: Height

    def registers(self) -> dict[NonMandatoryRegisterId, Constant]:
        return {
            R.R4: Constant(EcPoint(bytes.fromhex(self.provider_key))),
            R.R5: Constant.from_i64(self.slash_amount),
            R.R6: Constant.from_i32(self.unlock_height),
        }

    @classmethod
    def from_box(cls, box: ErgoBox) -> CollateralTerms:
        regs = box.additional_registers
        return cls(
            provider_key=read_group_element(regs, R.R4),
            slash_amount=read_long(regs, R.R5),
            unlock_height=read_int(regs, R.R6),
        )
