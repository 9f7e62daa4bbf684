"""The deployed contract set, bound to addresses: encode calls, read views, decode events."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

from eth_utils.abi import function_abi_to_4byte_selector, get_abi_input_types
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.contract import Contract

from protocol.artifacts import load_artifact
from protocol.errors import ManifestError
from protocol.event_logs import EventDecoder, abi_type, python_value
from protocol.manifest import Manifest
from protocol.rpc import rpc_request
from protocol.tx.request import TxRequest

__all__ = ["BoundContract", "ProtocolContracts"]


class BoundContract:
    """One contract at one address."""

    def __init__(self, w3: Web3, name: str, address: str) -> None:
        self.name = name
        self.address = to_checksum_address(address)
        self.abi = load_artifact(name).abi
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
        self._events = EventDecoder(self.abi)

    @cached_property
    def contract(self) -> Contract:
        """The web3 contract object, for callers that want web3's own API."""
        return self._w3.eth.contract(address=self.address, abi=self.abi)

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

        One output comes back bare, several as a tuple; structs are tuples in field order
        and addresses checksummed, as web3's ``.call()`` gives them.
        """
        call = {"to": self.address, "data": "0x" + self.encode(function, *args).hex()}
        label = f"{self.name}.{function}"
        result = rpc_request(self._w3, "eth_call", [call, block], label)
        outputs = self._outputs[function]
        types = [abi_type(o) for o in outputs]
        values = self._codec.decode(types, bytes.fromhex(str(result)[2:]))
        values = tuple(
            python_value(o, v, structs="tuple") for o, v in zip(outputs, values, strict=True)
        )
        return values[0] if len(values) == 1 else values

    def events(self, receipt: dict[str, Any], event: str) -> list[dict[str, Any]]:
        """Decoded ``event`` logs this contract emitted in a raw ``receipt``."""
        out = []
        for log in receipt.get("logs", []):
            if to_checksum_address(log["address"]) != self.address:
                continue
            decoded = self._events.decode(event, log)
            if decoded is not None:
                out.append(decoded)
        return out

    def logs(
        self, event: str, *, topics: list[Any] | None = None, from_block: int = 0
    ) -> list[dict[str, Any]]:
        """Decoded past ``event`` logs (eth_getLogs), optionally filtered by indexed topics."""
        return [d for _, d in self.logs_with_blocks(event, topics=topics, from_block=from_block)]

    def logs_of(
        self, events: Sequence[str], *, topic1: str, from_block: int = 0
    ) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        """(event, decoded fields, raw log) of every log of ``events`` whose first indexed
        argument is ``topic1``, in chain order (one eth_getLogs)."""
        query = {
            "address": self.address,
            "fromBlock": hex(from_block),
            "toBlock": "latest",
            "topics": [["0x" + self._events.topic0(e).hex() for e in events], topic1],
        }
        raw = rpc_request(self._w3, "eth_getLogs", [query], f"{self.name} logs")
        found = []
        for log in raw:
            for event in events:
                decoded = self._events.decode(event, log)
                if decoded is not None:
                    found.append((event, decoded, dict(log)))
                    break
        return found

    def logs_with_blocks(
        self, event: str, *, topics: list[Any] | None = None, from_block: int = 0
    ) -> list[tuple[int, dict[str, Any]]]:
        """Like ``logs``, each decoded log with the number of the block that holds it."""
        query = {
            "address": self.address,
            "fromBlock": hex(from_block),
            "toBlock": "latest",
            "topics": ["0x" + self._events.topic0(event).hex(), *(topics or [])],
        }
        raw = rpc_request(self._w3, "eth_getLogs", [query], f"{self.name}.{event} logs")
        return [
            (int(log["blockNumber"], 16), d)
            for log in raw
            if (d := self._events.decode(event, log)) is not None
        ]


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
