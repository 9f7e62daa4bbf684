"""The dashboard's chain view over a real deployment, read through the SDK.

Read-only: provider stakes and wallet balances are contract reads pinned to one block,
and recent jobs come from the escrow's events, scanned incrementally from the
deployment block (bounded per refresh, so a long chain is caught up over a few polls).
Snapshots are cached for ``refresh_s`` so any number of open dashboards cost one sweep
of reads per period.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import requests
from eth_utils.address import is_address, to_checksum_address
from web3.exceptions import Web3Exception

from matcher.dashboard.errors import InvalidDashboardSetting
from matcher.dashboard.job_ledger import ESCROW_EVENTS, JobLedger
from matcher.dashboard.models import ChainSnapshot, ProviderStake, WalletBalance
from protocol.client import Protocol
from protocol.errors import ProtocolError
from protocol.rpc import rpc_request

__all__ = ["ProtocolChainView"]

_READ_FAILURES = (ProtocolError, Web3Exception, requests.RequestException, OSError, ValueError)


def _unique_addresses(groups: Iterable[Iterable[str]], limit: int) -> list[str]:
    seen: dict[str, str] = {}
    for group in groups:
        for address in group:
            if is_address(address) and address.lower() not in seen:
                seen[address.lower()] = to_checksum_address(address)
    return list(seen.values())[:limit]


class ProtocolChainView:
    """A ``matcher.dashboard.chain_source.ChainView`` backed by ``protocol.Protocol``."""

    def __init__(
        self,
        protocol: Protocol,
        *,
        max_jobs: int = 100,
        max_accounts: int = 50,
        refresh_s: float = 1.0,
        blocks_per_query: int = 2000,
        queries_per_refresh: int = 10,
    ) -> None:
        if max_accounts < 1 or blocks_per_query < 1 or queries_per_refresh < 1:
            raise InvalidDashboardSetting(
                "max_accounts, blocks_per_query and queries_per_refresh must be at least 1, got"
                f" {max_accounts}, {blocks_per_query}, {queries_per_refresh}"
            )
        self.protocol = protocol
        self.max_accounts = max_accounts
        self.refresh_s = refresh_s
        self.blocks_per_query = blocks_per_query
        self.queries_per_refresh = queries_per_refresh
        self.ledger = JobLedger(max_jobs)
        escrow = protocol.contracts.escrow
        self._escrow = escrow
        # web3's decoder over the escrow's ABI: one eth_getLogs query for every job event.
        events = protocol.w3.eth.contract(address=escrow.address, abi=escrow.abi).events
        self._events: dict[str, tuple[str, Any]] = {}
        for name in ESCROW_EVENTS:
            event = getattr(events, name)()
            self._events[str(event.topic).lower()] = (name, event)
        self._next_block = protocol.manifest.block
        self._lock = threading.Lock()
        self._last: ChainSnapshot | None = None
        self._last_at = -math.inf

    # ------------------------------------------------------------------ the port

    def snapshot(self, providers: Sequence[str], wallets: Sequence[str]) -> ChainSnapshot:
        with self._lock:
            if self._last is not None and time.monotonic() - self._last_at < self.refresh_s:
                return self._last
            self._last_at = time.monotonic()  # a failing node is retried at the same pace
            try:
                self._last = self._read(providers, wallets)
            except _READ_FAILURES as exc:
                return self._unreachable(exc)
            return self._last

    def _unreachable(self, exc: BaseException) -> ChainSnapshot:
        message = f"the chain did not answer ({type(exc).__name__}: {exc}); showing the last data"
        if self._last is None:
            return ChainSnapshot(status="unreachable", message=message)
        return self._last.model_copy(update={"status": "unreachable", "message": message})

    # ------------------------------------------------------------------ reads

    def _read(self, providers: Sequence[str], wallets: Sequence[str]) -> ChainSnapshot:
        w3 = self.protocol.w3
        head = rpc_request(w3, "eth_getBlockByNumber", ["latest", False], "latest block")
        block, block_time = int(head["number"], 16), int(head["timestamp"], 16)
        self._scan(block)
        at = hex(block)
        provider_list = _unique_addresses([providers], self.max_accounts)
        wallet_list = _unique_addresses(
            [provider_list, wallets, self.ledger.participants()], self.max_accounts
        )
        return ChainSnapshot(
            status="connected",
            chain_id=self.protocol.chain_id,
            block=block,
            block_time=block_time,
            escrow=self._escrow.address,
            providers=[self._stake(a, at) for a in provider_list],
            wallets=[self._balance(a, at) for a in wallet_list],
            jobs=self.ledger.rows(),
            jobs_seen=self.ledger.opened,
        )

    def _stake(self, address: str, at: str) -> ProviderStake:
        free, locked, _ready_at, unbonding = self.protocol.contracts.staking.read(
            "stakeOf", address, block=at
        )
        return ProviderStake(
            address=address, free_wei=free, locked_wei=locked, unbonding_wei=unbonding
        )

    def _balance(self, address: str, at: str) -> WalletBalance:
        contracts = self.protocol.contracts
        eth = rpc_request(self.protocol.w3, "eth_getBalance", [address, at], "balance")
        return WalletBalance(
            address=address,
            eth_wei=int(eth, 16),
            credits_wei=contracts.credit.read("balanceOf", address, block=at),
            claimable_wei=contracts.escrow.read("claimable", address, block=at),
        )

    # ------------------------------------------------------------------ events

    def _scan(self, head: int) -> None:
        """Feed escrow events up to ``head`` into the ledger, a bounded number of queries
        per call; a chain that went back below what was scanned (a reset dev chain)
        starts the ledger over."""
        if head + 1 < self._next_block:
            self.ledger.clear()
            self._next_block = self.protocol.manifest.block
        topics = list(self._events)
        for _ in range(self.queries_per_refresh):
            if self._next_block > head:
                return
            last = min(head, self._next_block + self.blocks_per_query - 1)
            logs = rpc_request(
                self.protocol.w3,
                "eth_getLogs",
                [
                    {
                        "address": self._escrow.address,
                        "fromBlock": hex(self._next_block),
                        "toBlock": hex(last),
                        "topics": [topics],
                    }
                ],
                "escrow events",
            )
            for log in logs:
                self._apply(log)
            self._next_block = last + 1

    def _apply(self, log: dict[str, Any]) -> None:
        found = self._events.get(str(log["topics"][0]).lower())
        if found is None:
            return
        name, event = found
        decoded = event.process_log(_as_web3_log(log))
        self.ledger.apply(name, dict(decoded["args"]), int(log["blockNumber"], 16))


def _as_web3_log(raw: dict[str, Any]) -> dict[str, Any]:
    """A raw JSON-RPC log in the shape web3's decoder expects (bytes, not hex)."""
    return {
        **raw,
        "topics": [bytes.fromhex(t[2:]) for t in raw["topics"]],
        "data": bytes.fromhex(raw["data"][2:]),
        "blockNumber": int(raw["blockNumber"], 16),
        "logIndex": int(raw["logIndex"], 16),
        "transactionIndex": int(raw["transactionIndex"], 16),
    }
