"""RPC outages and reorgs under three `gpuc oracle run` processes (confirmation depth 2).

The oracles reach anvil through a TCP proxy the test can cut; the test itself
talks to anvil directly, so the chain moves on while the oracles cannot see it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from oracle_chain_helpers import (
    MAX_UNITS,
    PRICE,
    audited_by_all,
    closing_logs,
    committee,
    events_of,
    wait_closed,
    wait_until,
)
from oracle_tcp_proxy import TcpProxy

from gpuc.devnet.local_cluster import LocalOracleCluster
from oracles.audit import jsonable
from oracles.submission import ReceiptSubmission
from protocol.tx.sender import SignedTx
from protocol.typed_data import JobStatus, JobTerms, job_id
from tools.dev_jobs import (
    Publish,
    forged_matmul_result,
    honest_matmul_result,
    matmul_spec,
    open_job,
    post_submission,
    signed_submission,
)
from tools.devnet import DevNet

pytestmark = pytest.mark.chain


@pytest.fixture(scope="module")
def proxy(oracle_net: DevNet) -> Iterator[TcpProxy]:
    with TcpProxy(oracle_net.chain.port) as p:
        yield p


@pytest.fixture(scope="module")
def cluster(
    oracle_net: DevNet, proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalOracleCluster]:
    settings = {"confirmations": 2, "fallback_after": 3.0}
    home = tmp_path_factory.mktemp("committee")
    with committee(oracle_net, home, rpc_url=proxy.url, settings=settings) as c:
        c.start_all()
        c.wait_healthy()
        yield c


def _job(net: DevNet, seed: int) -> tuple[dict[str, Any], JobTerms]:
    spec = matmul_spec(seed)
    terms = open_job(net.consumer, net.provider, spec, price_per_unit=PRICE, max_units=MAX_UNITS)
    net.chain.mine()  # confirm the accept (depth 2)
    return spec, terms


def _commit_on_chain(net: DevNet, terms: JobTerms, submission: ReceiptSubmission) -> SignedTx:
    """submitReceipt from the provider; returns the signed bytes (to re-include later)."""
    request = net.protocol.contracts.escrow.tx(
        "submitReceipt", terms.as_tuple(), submission.receipt.result_hash, submission.receipt.units
    )
    sender = net.provider.sender
    signed = sender.prepare(request)
    sender.wait(sender.broadcast(signed))  # anvil mines right after, not during, the call
    return signed


def _health(cluster: LocalOracleCluster) -> list[dict[str, Any]]:
    return [httpx.get(f"{o.url}/health", timeout=5).json() for o in cluster.oracles]


def test_rpc_outage_neither_crashes_nor_loses_work(
    oracle_net: DevNet, cluster: LocalOracleCluster, proxy: TcpProxy, publish: Publish
) -> None:
    net = oracle_net
    spec, forged_job = _job(net, 801)
    forged = signed_submission(
        net.provider, forged_job, spec, forged_matmul_result(spec), publish, committed_on_chain=True
    )
    assert post_submission(cluster.urls, forged) == [202] * 3

    proxy.down()
    try:
        # While the oracles are blind: the forged result is committed on chain and
        # confirmed, and another job is opened.
        _commit_on_chain(net, forged_job, forged)
        net.chain.mine()
        spec2, honest_job = _job(net, 802)
        honest = signed_submission(
            net.provider, honest_job, spec2, honest_matmul_result(spec2), publish
        )
        wait_until(
            "every oracle to report the chain unreachable",
            lambda: all(h["status"] == "degraded" and not h["rpc_ok"] for h in _health(cluster)),
        )
        refused = httpx.post(f"{cluster[0].url}/receipts", json=jsonable(honest), timeout=10)
        assert refused.status_code == 503 and refused.json()["error"] == "ChainUnreachable"
        time.sleep(1.0)
        assert all(o.running for o in cluster.oracles)
        assert net.protocol.job(forged_job).status == JobStatus.DELIVERED
    finally:
        proxy.up()

    wait_until("the oracles to recover", lambda: all(h["status"] == "ok" for h in _health(cluster)))
    assert wait_closed(net, forged_job, timeout=30).status == JobStatus.SLASHED
    assert post_submission(cluster.urls, honest) == [202] * 3
    assert wait_closed(net, honest_job, timeout=30).status == JobStatus.SETTLED
    assert [e["name"] for e in closing_logs(net, forged_job)] == ["JobSlashed"]
    assert [e["name"] for e in closing_logs(net, honest_job)] == ["JobSettled"]
    for oracle in cluster.oracles:
        metrics = httpx.get(f"{oracle.url}/metrics", timeout=5).text
        assert "gpuc_oracle_rpc_errors_total 0.0" not in metrics
        events = [e["event"] for e in oracle.audit()]
        assert events.index("rpc_unreachable") < len(events) - 1 - events[::-1].index("rpc_ok")


def test_reorg_before_confirmation_leaves_no_verdict_and_the_reincluded_event_counts_once(
    oracle_net: DevNet, cluster: LocalOracleCluster, publish: Publish
) -> None:
    net = oracle_net
    spec, terms = _job(net, 901)
    jid = job_id(terms)
    forged = signed_submission(
        net.provider, terms, spec, forged_matmul_result(spec), publish, committed_on_chain=True
    )
    assert post_submission(cluster.urls, forged) == [202] * 3
    signed = _commit_on_chain(net, terms, forged)
    receipt_block = net.chain.w3.eth.block_number
    # The block holding ReceiptSubmitted is replaced before anything confirms it.
    net.chain.reorg(1)
    net.protocol.nonces.forget_all()
    assert net.chain.rpc("eth_getTransactionReceipt", [signed.tx_hash]) is None
    net.chain.mine(2)
    wait_until(
        "the oracles to confirm past the replaced block",
        lambda: all((h["cursor"] or 0) >= receipt_block + 1 for h in _health(cluster)),
    )
    assert net.protocol.job(terms).status == JobStatus.ACCEPTED
    for i in range(3):
        assert not events_of(cluster, i, "verdict_signed", jid)
        assert not events_of(cluster, i, "chain_event", jid)[2:]  # only Opened, Accepted

    # The same signed transaction is included again, in a new block.
    net.chain.rpc("eth_sendRawTransaction", ["0x" + signed.raw.hex()])
    net.chain.mine()
    assert wait_closed(net, terms, timeout=30).status == JobStatus.SLASHED
    assert [e["name"] for e in closing_logs(net, terms)] == ["JobSlashed"]
    # No further block confirms the slash, so the slowest member still judges it.
    wait_until(
        "every oracle to judge the re-included receipt",
        lambda: audited_by_all(cluster, "verdict_signed", jid, range(3)),
    )
    for i in range(3):
        assert len(events_of(cluster, i, "verdict_signed", jid)) == 1
        seen = [
            e for e in events_of(cluster, i, "chain_event", jid) if e["name"] == "ReceiptSubmitted"
        ]
        assert len(seen) == 1


def test_deeper_reorg_undoes_a_confirmed_decision(
    oracle_net: DevNet, cluster: LocalOracleCluster, publish: Publish
) -> None:
    net = oracle_net
    spec, terms = _job(net, 902)
    jid = job_id(terms)
    honest = signed_submission(
        net.provider, terms, spec, honest_matmul_result(spec), publish, committed_on_chain=True
    )
    assert post_submission(cluster.urls, honest) == [202] * 3
    signed = _commit_on_chain(net, terms, honest)
    net.chain.mine()  # the receipt is confirmed; the oracles leave it to the window
    wait_until(
        "every oracle to decide on the confirmed receipt",
        lambda: audited_by_all(cluster, "verdict_release_left_to_finalize", jid, range(3)),
    )
    # Both the receipt's block and the one confirming it are replaced.
    net.chain.reorg(2)
    net.protocol.nonces.forget_all()
    net.chain.mine()
    wait_until(
        "every oracle to undo the decision",
        lambda: audited_by_all(cluster, "verdict_undone", jid, range(3)),
    )
    for i in range(3):
        (_removed,) = [
            e
            for e in events_of(cluster, i, "chain_event_removed", jid)
            if e["name"] == "ReceiptSubmitted"
        ]
        (undone,) = events_of(cluster, i, "verdict_undone", jid)
        assert undone["state"] == "finalize" and undone["removed"]
    assert net.protocol.job(terms).status == JobStatus.ACCEPTED

    net.chain.rpc("eth_sendRawTransaction", ["0x" + signed.raw.hex()])
    net.chain.mine()
    wait_until(
        "every oracle to decide again on the re-included receipt",
        lambda: all(
            len(events_of(cluster, i, "verdict_release_left_to_finalize", jid)) == 2
            for i in range(3)
        ),
    )
    assert net.protocol.job(terms).status == JobStatus.DELIVERED
    for i in range(3):
        assert not events_of(cluster, i, "settlement_sent", jid)
