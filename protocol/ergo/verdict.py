"""The committee verdict on Ergo: the EVM verdict's fields, held in the verdict box registers.

EVM: ``Verdict(bytes32 jobId, uint8 outcome, uint64 units, bytes32 resultHash, uint64 epoch)``.
On Ergo the verdict box carries R4 jobId, R5 outcome (Int), R6 units (Long),
R7 resultHash (Coll[Byte]) and R8 epoch (Long).
"""

from __future__ import annotations

from ergo_lib_python.chain import Constant, NonMandatoryRegisterId, NonMandatoryRegisters
from pydantic import BaseModel, ConfigDict, Field

from protocol.ergo.register_codec import read_bytes, read_int, read_long
from protocol.ergo.types import ErgoLong, Hash32Hex
from protocol.typed_data import Outcome

__all__ = ["ErgoVerdict"]


class ErgoVerdict(BaseModel):
    """Takes the EVM verdict's fields (camelCase or snake_case); units and epoch must fit a Long."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    job_id: Hash32Hex = Field(alias="jobId")
    outcome: Outcome
    units: ErgoLong
    result_hash: Hash32Hex = Field(alias="resultHash")
    epoch: ErgoLong

    def registers(self) -> dict[NonMandatoryRegisterId, Constant]:
        return {
            NonMandatoryRegisterId.R4: Constant(bytes.fromhex(self.job_id[2:])),
            NonMandatoryRegisterId.R5: Constant.from_i32(int(self.outcome)),
            NonMandatoryRegisterId.R6: Constant.from_i64(self.units),
            NonMandatoryRegisterId.R7: Constant(bytes.fromhex(self.result_hash[2:])),
            NonMandatoryRegisterId.R8: Constant.from_i64(self.epoch),
        }

    @classmethod
    def from_registers(cls, registers: NonMandatoryRegisters) -> ErgoVerdict:
        return cls(
            job_id="0x" + read_bytes(registers, NonMandatoryRegisterId.R4).hex(),
            outcome=Outcome(read_int(registers, NonMandatoryRegisterId.R5)),
            units=read_long(registers, NonMandatoryRegisterId.R6),
            result_hash="0x" + read_bytes(registers, NonMandatoryRegisterId.R7).hex(),
            epoch=read_long(registers, NonMandatoryRegisterId.R8),
        )
