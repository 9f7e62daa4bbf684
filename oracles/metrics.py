"""Prometheus metrics of one oracle (its own registry, served at GET /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["OracleMetrics"]

_PREFIX = "gpuc_oracle_"


class OracleMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.receipts_seen = Counter(
            _PREFIX + "receipts_seen",
            "Receipts received: POST /receipts (api) or ReceiptSubmitted events (chain).",
            ["source"],
            registry=r,
        )
        self.verified = Counter(
            _PREFIX + "verified", "Jobs verified, by outcome.", ["outcome"], registry=r
        )
        self.faults = Counter(
            _PREFIX + "faults", "Fault verdicts, by the first failure found.", ["code"], registry=r
        )
        self.verdicts_sent = Counter(
            _PREFIX + "verdicts_sent",
            "Verdicts sent: signatures delivered to peers, settlements broadcast.",
            ["channel"],
            registry=r,
        )
        self.rpc_errors = Counter(
            _PREFIX + "rpc_errors", "Loop iterations that failed on the chain RPC.", registry=r
        )
        self.head = Gauge(_PREFIX + "head_block", "Latest chain block seen.", registry=r)
        self.cursor = Gauge(
            _PREFIX + "cursor_block", "Last block the watcher has confirmed.", registry=r
        )
        self.lag = Gauge(
            _PREFIX + "lag_blocks", "Blocks between the head and the watcher's cursor.", registry=r
        )
        self.settlement_seconds = Histogram(
            _PREFIX + "receipt_to_settlement_seconds",
            "From a receipt's arrival to its job's settlement being confirmed.",
            buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
