"""Follow the escrow's job events: confirmation depth, reorg undo, persisted cursor.

Each poll scans from the block after the cursor up to the newest block that has
``confirmations`` blocks on top (counting itself), checks every log against its
block's hash, and stores events, hashes and the new cursor in one transaction.
Before scanning, the cursor's stored hash is compared with the chain's: if they
differ, a reorg replaced blocks the watcher had confirmed; it walks back to the
newest block whose hash still matches and removes every event above it, so the
caller can undo what it derived from them. A restart resumes from the cursor.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from web3 import Web3

from oracles.watcher.events import ChainEvent, EventDecoder
from oracles.watcher.store import WatchStore
from protocol.rpc import rpc_request

__all__ = ["WatchUpdate", "Watcher"]


class WatchUpdate(BaseModel):
    """What one poll found."""

    model_config = ConfigDict(frozen=True)

    head: int
    cursor: int
    added: tuple[ChainEvent, ...] = ()
    removed: tuple[ChainEvent, ...] = ()

    @property
    def lag(self) -> int:
        """Blocks the chain is ahead of what the watcher has confirmed."""
        return max(self.head - self.cursor, 0)


class _Header(BaseModel):
    number: int
    hash: bytes
    parent: bytes
    timestamp: int


class Watcher:
    def __init__(
        self,
        w3: Web3,
        escrow: str,
        abi: list[dict[str, Any]],
        store: WatchStore,
        *,
        confirmations: int,
        start_block: int,
        max_range: int = 500,
        keep_blocks: int = 256,
    ) -> None:
        if confirmations < 1:
            raise ValueError(f"confirmations must be at least 1, got {confirmations}")
        self.w3 = w3
        self.escrow = escrow
        self.store = store
        self.decoder = EventDecoder(abi)
        self.confirmations = confirmations
        # Block 0 has no parent to compare with; nothing of ours is in it anyway.
        self.start_block = max(start_block, 1)
        self.max_range = max_range
        self.keep_blocks = keep_blocks

    def cursor(self) -> int:
        stored = self.store.cursor()
        return self.start_block - 1 if stored is None else stored[0]

    def poll(self) -> WatchUpdate:
        head = int(self._rpc("eth_blockNumber", []), 16)
        removed = self._undo_reorg(head)
        cursor = self.cursor()
        safe = head - self.confirmations + 1
        added: list[ChainEvent] = []
        if safe > cursor:
            scanned = self._scan(cursor, min(safe, cursor + self.max_range))
            added = scanned or []
        return WatchUpdate(
            head=head, cursor=self.cursor(), added=tuple(added), removed=tuple(removed)
        )

    # ------------------------------------------------------------------ steps

    def _undo_reorg(self, head: int) -> list[ChainEvent]:
        stored = self.store.cursor()
        if stored is None:
            return []
        number, known = stored
        if number <= head and self._header(number).hash == known:
            return []
        for candidate, candidate_hash in self.store.known_blocks_below(
            min(number, head + 1), self.keep_blocks
        ):
            if self._header(candidate).hash == candidate_hash:
                return self.store.rewind(candidate, candidate_hash)
        # Deeper than the hashes kept: restart from the oldest block that could have changed.
        fallback = min(max(self.start_block - 1, number - self.keep_blocks, 1), head)
        return self.store.rewind(fallback, self._header(fallback).hash)

    def _scan(self, cursor: int, to: int) -> list[ChainEvent] | None:
        """Events of blocks cursor+1..to; None if the chain changed during the scan
        (the next poll sees the reorg and rescans)."""
        logs = self._rpc(
            "eth_getLogs",
            [
                {
                    "address": self.escrow,
                    "fromBlock": hex(cursor + 1),
                    "toBlock": hex(to),
                    "topics": [self.decoder.topics()],
                }
            ],
        )
        numbers = {int(log["blockNumber"], 16) for log in logs} | {to, cursor + 1}
        headers = {n: self._header(n) for n in sorted(numbers)}
        if any(not h.hash for h in headers.values()):
            return None  # the chain got shorter while scanning
        stored = self.store.cursor()
        if stored is not None and headers[cursor + 1].parent != stored[1]:
            return None
        for log in logs:
            if bytes.fromhex(log["blockHash"][2:]) != headers[int(log["blockNumber"], 16)].hash:
                return None
        events = [
            event
            for log in logs
            if (event := self.decoder.decode(log, headers[int(log["blockNumber"], 16)].timestamp))
            is not None
        ]
        blocks = {n: h.hash for n, h in headers.items()}
        self.store.append(events, blocks, cursor=to, keep=self.keep_blocks)
        return events

    # ------------------------------------------------------------------ node access

    def _header(self, number: int) -> _Header:
        block = self._rpc("eth_getBlockByNumber", [hex(number), False])
        if block is None:
            # Asked for a block above the head: the chain got shorter under us.
            return _Header(number=number, hash=b"", parent=b"", timestamp=0)
        return _Header(
            number=number,
            hash=bytes.fromhex(block["hash"][2:]),
            parent=bytes.fromhex(block["parentHash"][2:]),
            timestamp=int(block["timestamp"], 16),
        )

    def _rpc(self, method: str, params: list[Any]) -> Any:
        return rpc_request(self.w3, method, params, f"watcher {method}")
