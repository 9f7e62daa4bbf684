"""The deployed contract set, bound to addresses: encode calls, read views, decode events."""

from __future__ import annotations

from typing import Any

from eth_utils.abi import function_abi_to_4byte_selector, get_abi_input_types
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from protocol.artifacts import load_artifact
from protocol.errors import ManifestError
from protocol.manifest import Manifest
from protocol.rpc import rpc_request
from protocol.tx.request import TxRequest

__all__ = ["BoundContract", "ProtocolContracts"]


class BoundContract:
    """One contract at one address."""

    def __init__(self, w3: Web3, name: str, address: str) -> None:
        self.name = name
        self.address = address
        self.abi = load_artifact(name).abi
        self.contract: Contract = w3.eth.contract(address=address, abi=self.abi)  # type: ignore[call-overload]
        # Encoding through eth_abi directly is several times faster than web3's matcher,
        # and no function of ours is overloaded.
        self._functions = {
            e["name"]: (function_abi_to_4byte_selector(e), get_abi_input_types(e))  # type: ignore[arg-type]
            for e in self.abi
            if e.get("type") == "function"
        }
        self._outputs = {
            e["name"]: e.get("outputs", []) for e in self.abi if e.get("type") == "function"
        }
        self._codec = w3.codec
        self._w3 = w3

    def encode(self, function: str, *args: Any) -> bytes:
        try:
            selector, types = self._functions[function]
        except KeyError:
            raise ManifestError(f"{self.name} has no function {function}") from None
        return selector + self._codec.encode(types, list(args))

    def tx(self, function: str, *args: Any, value: int = 0) -> TxRequest:
        """A transaction request calling ``function(*args)``."""
        return TxRequest(
            to=self.address,
            data=self.encode(function, *args),
            value=value,
            label=f"{self.name}.{function}",
        )

    def read(self, function: str, *args: Any, block: str = "latest") -> Any:
        """Call a view (one raw eth_call); a revert raises its ContractError.

        One output comes back bare, several as a tuple; addresses are checksummed.
        """
        call = {"to": self.address, "data": "0x" + self.encode(function, *args).hex()}
        label = f"{self.name}.{function}"
        result = rpc_request(self._w3, "eth_call", [call, block], label)
        outputs = self._outputs[function]
        types = [_abi_type(o) for o in outputs]
        values = self._codec.decode(types, bytes.fromhex(str(result)[2:]))
        values = tuple(_checksummed(o, v) for o, v in zip(outputs, values, strict=True))
        return values[0] if len(values) == 1 else values

    def events(self, receipt: Any, event: str) -> list[dict[str, Any]]:
        """Decoded ``event`` logs of this contract in ``receipt``, as plain dicts."""
        decoded = getattr(self.contract.events, event)().process_receipt(receipt, errors=DISCARD)
        return [dict(log["args"]) for log in decoded if log["address"] == self.address]


def _abi_type(param: dict[str, Any]) -> str:
    """ABI JSON parameter -> eth_abi type string (tuples spelled out)."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def _checksummed(param: dict[str, Any], value: Any) -> Any:
    kind = str(param["type"])
    if kind == "address":
        return to_checksum_address(value)
    if kind == "tuple":
        return tuple(_checksummed(c, v) for c, v in zip(param["components"], value, strict=True))
    return value


class ProtocolContracts:
    """GPUCredit, CreditSale, ProviderStaking, OracleCommittee and JobEscrow of a manifest."""

    def __init__(self, w3: Web3, manifest: Manifest) -> None:
        self.credit = self._bind(w3, manifest, "GPUCredit")
        self.sale = self._bind(w3, manifest, "CreditSale")
        self.staking = self._bind(w3, manifest, "ProviderStaking")
        self.committee = self._bind(w3, manifest, "OracleCommittee")
        self.escrow = self._bind(w3, manifest, "JobEscrow")

    @staticmethod
    def _bind(w3: Web3, manifest: Manifest, name: str) -> BoundContract:
        return BoundContract(w3, name, manifest.address_of(name))

    def all(self) -> tuple[BoundContract, ...]:
        return (self.credit, self.sale, self.staking, self.committee, self.escrow)
