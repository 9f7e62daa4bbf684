"""The GPUC bank's state (R4 circulating, R5 rate) and its pure exchange arithmetic."""

from __future__ import annotations

from ergo_lib_python.chain import Constant, ErgoBox, NonMandatoryRegisterId
from pydantic import BaseModel, ConfigDict, Field

from protocol.ergo.errors import TxBuildError
from protocol.ergo.register_codec import read_long
from protocol.ergo.types import ErgoLong

__all__ = ["BankState"]

R = NonMandatoryRegisterId


class BankState(BaseModel):
    model_config = ConfigDict(frozen=True)

    circulating: ErgoLong
    rate: int = Field(gt=0, le=2**63 - 1, description="nanoERG per GPUC unit")

    def registers(self) -> dict[NonMandatoryRegisterId, Constant]:
        return {R.R4: Constant.from_i64(self.circulating), R.R5: Constant.from_i64(self.rate)}

    @classmethod
    def from_box(cls, box: ErgoBox) -> BankState:
        regs = box.additional_registers
        return cls(circulating=read_long(regs, R.R4), rate=read_long(regs, R.R5))

    def after(self, minted: int) -> BankState:
        """State after minting ``minted`` GPUC (negative: redeeming)."""
        circulating = self.circulating + minted
        if circulating < 0:
            raise TxBuildError(
                f"cannot redeem {-minted} GPUC: only {self.circulating} are in circulation"
            )
        return BankState(circulating=circulating, rate=self.rate)

    def erg_delta(self, minted: int) -> int:
        """nanoERG the bank gains for minting ``minted`` GPUC (pays out when negative)."""
        return minted * self.rate
