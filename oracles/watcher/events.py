"""Escrow events as the oracle stores them: decoded, JSON-safe, keyed by block.

Decoding is done here from the ABI with eth_abi (indexed values from topics, the
rest from data): raw eth_getLogs dicts in, ChainEvent out, no web3 log plumbing.
"""

from __future__ import annotations

from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.abi import collapse_if_tuple, event_abi_to_log_topic
from eth_utils.address import to_checksum_address
from pydantic import BaseModel, ConfigDict

from protocol.typed_data import CLOSING_EVENTS, OUTCOME_EVENTS

__all__ = ["JOB_EVENTS", "TERMINAL_EVENTS", "ChainEvent", "EventDecoder"]

# The escrow events that concern a job's judging (all carry an indexed jobId), and those
# after which the job can never be settled again: protocol.typed_data names them.
JOB_EVENTS = OUTCOME_EVENTS
TERMINAL_EVENTS = CLOSING_EVENTS


class ChainEvent(BaseModel):
    """One escrow log in a block the watcher has confirmed."""

    model_config = ConfigDict(frozen=True)

    name: str
    job_id: bytes
    block_number: int
    block_hash: bytes
    block_time: int
    log_index: int
    tx_hash: bytes
    # Decoded arguments: ints, bools, checksummed addresses, 0x hex for bytes,
    # dicts for structs (JobOpened's terms).
    args: dict[str, Any]

    @property
    def key(self) -> str:
        """Unique per log: a log re-included by a reorg lands in another block."""
        return f"0x{self.block_hash.hex()}:{self.log_index}"


def _normalise(abi_type: dict[str, Any], value: Any) -> Any:
    kind = str(abi_type["type"])
    if kind == "address":
        return to_checksum_address(value)
    if kind.startswith("bytes"):
        return "0x" + bytes(value).hex()
    if kind == "tuple":
        return {
            c["name"]: _normalise(c, v) for c, v in zip(abi_type["components"], value, strict=True)
        }
    return value


class EventDecoder:
    """Decodes the job events of one escrow ABI."""

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self._by_topic: dict[bytes, dict[str, Any]] = {}
        for entry in abi:
            if entry.get("type") == "event" and entry["name"] in JOB_EVENTS:
                self._by_topic[event_abi_to_log_topic(entry)] = entry  # type: ignore[arg-type]

    def topics(self) -> list[str]:
        """topic0 values for an eth_getLogs filter."""
        return ["0x" + t.hex() for t in self._by_topic]

    def decode(self, log: dict[str, Any], block_time: int) -> ChainEvent | None:
        """A raw JSON-RPC log -> ChainEvent (None for events the oracle ignores)."""
        topics = [bytes.fromhex(str(t)[2:]) for t in log["topics"]]
        entry = self._by_topic.get(topics[0]) if topics else None
        if entry is None:
            return None
        indexed = [i for i in entry["inputs"] if i["indexed"]]
        plain = [i for i in entry["inputs"] if not i["indexed"]]
        args: dict[str, Any] = {}
        for item, topic in zip(indexed, topics[1:], strict=True):
            (value,) = abi_decode([collapse_if_tuple(item)], topic)
            args[item["name"]] = _normalise(item, value)
        data = bytes.fromhex(str(log["data"])[2:])
        values = abi_decode([collapse_if_tuple(i) for i in plain], data)
        for item, value in zip(plain, values, strict=True):
            args[item["name"]] = _normalise(item, value)
        return ChainEvent(
            name=entry["name"],
            job_id=bytes.fromhex(args["jobId"][2:]),
            block_number=int(log["blockNumber"], 16),
            block_hash=bytes.fromhex(str(log["blockHash"])[2:]),
            block_time=block_time,
            log_index=int(log["logIndex"], 16),
            tx_hash=bytes.fromhex(str(log["transactionHash"])[2:]),
            args=args,
        )
