"""Decode contract event logs from raw JSON-RPC logs (pure: ABI + log dicts in, dicts out).

web3's own decoding wants its formatted receipts, which cost extra requests and
middleware per transaction; the SDK reads raw receipts and decodes here.
"""

from __future__ import annotations

from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

__all__ = ["EventDecoder", "abi_type", "python_value"]


def abi_type(param: dict[str, Any]) -> str:
    """ABI JSON parameter -> canonical type string (tuples spelled out)."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def python_value(param: dict[str, Any], value: Any, *, structs: str = "dict") -> Any:
    """Checksummed addresses; structs as dicts keyed by field name (``structs="dict"``)
    or as tuples in field order (``structs="tuple"``, as web3 returns view outputs)."""
    kind = str(param["type"])
    if kind == "address":
        return to_checksum_address(value)
    if kind == "tuple":
        fields = [
            (c["name"], python_value(c, v, structs=structs))
            for c, v in zip(param["components"], value, strict=True)
        ]
        return dict(fields) if structs == "dict" else tuple(v for _, v in fields)
    return value


def _hex_bytes(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


class EventDecoder:
    """Every event of one ABI, by name and by topic0."""

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self._by_name: dict[str, dict[str, Any]] = {}
        for entry in abi:
            if entry.get("type") == "event":
                signature = f"{entry['name']}({','.join(abi_type(i) for i in entry['inputs'])})"
                self._by_name[entry["name"]] = {**entry, "topic0": keccak(text=signature)}

    def topic0(self, event: str) -> bytes:
        return bytes(self._by_name[event]["topic0"])

    def decode(self, event: str, log: dict[str, Any]) -> dict[str, Any] | None:
        """The event's arguments if ``log`` is that event, else None."""
        entry = self._by_name[event]
        topics = [_hex_bytes(t) for t in log.get("topics", [])]
        if not topics or topics[0] != entry["topic0"]:
            return None
        indexed = [i for i in entry["inputs"] if i.get("indexed")]
        plain = [i for i in entry["inputs"] if not i.get("indexed")]
        values: dict[str, Any] = {}
        for param, topic in zip(indexed, topics[1:], strict=True):
            # value types only: dynamic indexed parameters are hashed and not recoverable
            (values[param["name"]],) = abi_decode([abi_type(param)], topic)
        decoded = abi_decode([abi_type(p) for p in plain], _hex_bytes(log.get("data", "0x")))
        values.update(dict(zip((p["name"] for p in plain), decoded, strict=True)))
        return {p["name"]: python_value(p, values[p["name"]]) for p in entry["inputs"]}
