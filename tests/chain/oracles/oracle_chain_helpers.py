"""Shared steps of the oracle chain tests: committees, waits, on-chain evidence."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar

from gpuc.devnet.local_cluster import LocalOracleCluster
from protocol.typed_data import JobStatus, JobTerms, job_id
from protocol.views import JobState
from tools.devnet import CREDIT, DevNet

PRICE = CREDIT // 100  # per unit; a 64 x 64 matmul is 1 unit (1 GFLOP rounded up)
MAX_UNITS = 10
T = TypeVar("T")

# Fast polling and short waits: the tests run on anvil with automine.
BASE_SETTINGS: dict[str, Any] = {"poll_interval": 0.05, "peer_timeout": 1.0}


def member_keys(net: DevNet) -> list[str]:
    """The committee's keys (the devnet's last three accounts)."""
    return [a.private_key.get_secret_value() for a in net.chain.accounts[-3:]]


def committee(
    net: DevNet,
    home: Path,
    *,
    rpc_url: str | None = None,
    settings: Mapping[str, Any] | None = None,
) -> LocalOracleCluster:
    return LocalOracleCluster(
        rpc_url or net.chain.rpc_url,
        net.manifest_path,
        member_keys(net),
        home,
        settings={**BASE_SETTINGS, **(settings or {})},
    )


def wait_until(what: str, check: Callable[[], T | None], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


def wait_closed(net: DevNet, terms: JobTerms, timeout: float = 30.0) -> JobState:
    def closed() -> JobState | None:
        state = net.protocol.job(terms)
        return state if state.status in (JobStatus.SETTLED, JobStatus.SLASHED) else None

    return wait_until(f"job 0x{job_id(terms).hex()} to close", closed, timeout)


def closing_logs(
    net: DevNet,
    terms: JobTerms,
    names: tuple[str, ...] = ("JobSettled", "JobSlashed", "SettlementSkipped"),
) -> list[dict[str, Any]]:
    """Every log ``names`` (default: JobSettled / JobSlashed / SettlementSkipped) of this
    job, in chain order."""
    escrow = net.protocol.contracts.escrow.contract
    jid = job_id(terms)
    logs: list[dict[str, Any]] = []
    for name in names:
        event = getattr(escrow.events, name)()
        for log in event.get_logs(argument_filters={"jobId": jid}, from_block=net.manifest.block):
            logs.append(
                {
                    "name": name,
                    "args": dict(log["args"]),
                    "tx": "0x" + bytes(log["transactionHash"]).hex(),
                    "block": int(log["blockNumber"]),
                }
            )
    return sorted(logs, key=lambda entry: entry["block"])


def events_of(
    cluster: LocalOracleCluster, index: int, event: str, job: bytes
) -> list[dict[str, Any]]:
    """Audit lines ``event`` about ``job`` (single-job or batch lines) of member ``index``."""
    wanted = "0x" + job.hex()
    return [
        e
        for e in cluster[index].audit()
        if e["event"] == event and (e.get("job") == wanted or wanted in e.get("jobs", []))
    ]


def audited_by_all(
    cluster: LocalOracleCluster, event: str, job: bytes, members: Collection[int]
) -> bool:
    return all(events_of(cluster, i, event, job) for i in members)


def tx_sender(net: DevNet, tx_hash: str) -> str:
    return str(net.chain.w3.eth.get_transaction(tx_hash)["from"])  # type: ignore[arg-type]
