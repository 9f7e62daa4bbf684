"""What a transaction should do, before fees, gas, nonce and signature."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["TxRequest", "deploy_request"]


class TxRequest(BaseModel):
    """A call (``to`` set) or a contract creation (``to`` None)."""

    model_config = ConfigDict(frozen=True)

    to: str | None
    data: bytes
    value: int = Field(default=0, ge=0)
    label: str  # names the call in errors and logs, e.g. "JobEscrow.open"

    def as_call(self, sender: str) -> dict[str, Any]:
        """The JSON-RPC call object (eth_call / eth_estimateGas)."""
        call: dict[str, Any] = {"from": sender, "data": "0x" + self.data.hex()}
        if self.to is not None:
            call["to"] = self.to
        if self.value:
            call["value"] = hex(self.value)
        return call


def deploy_request(bytecode: str, constructor_args: bytes, name: str) -> TxRequest:
    code = bytes.fromhex(bytecode.removeprefix("0x"))
    return TxRequest(to=None, data=code + constructor_args, label=f"deploy {name}")
