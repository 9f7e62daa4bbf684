"""kill -9 of the submitting oracle at each crash point, then a restart: the job
settles exactly once, with the very transaction persisted before the crash."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from oracle_chain_helpers import MAX_UNITS, PRICE, closing_logs, committee, wait_closed, wait_until

from gpuc.devnet.local_cluster import LocalOracleCluster
from oracles.crash import CRASH_ENV
from protocol.typed_data import JobStatus, job_id
from tools.dev_jobs import (
    Publish,
    honest_matmul_result,
    matmul_spec,
    open_job,
    post_submission,
    signed_submission,
)
from tools.devnet import DevNet

pytestmark = pytest.mark.chain

VICTIM = 0


@pytest.fixture(scope="module")
def crash_cluster(
    oracle_net: DevNet, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalOracleCluster]:
    # A long fallback: nobody but the restarted victim may settle its jobs.
    settings = {"confirmations": 1, "fallback_after": 120.0}
    with committee(oracle_net, tmp_path_factory.mktemp("committee"), settings=settings) as c:
        c.start_all()
        c.wait_healthy()
        yield c


def _persisted_settlements(db: Path, job: bytes) -> list[dict[str, Any]]:
    """What the dead victim had committed for this job's settlement."""
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT i.key, i.nonce, i.status, a.tx_hash, a.broadcast_at FROM tx_intents i "
            "JOIN tx_attempts a ON a.intent_key = i.key WHERE i.key LIKE ?",
            (f"settle:0x{job.hex()}:%",),
        ).fetchall()
    return [dict(r) for r in rows]


@pytest.mark.parametrize(
    "point", ["after_verdict_signed", "after_sign", "after_broadcast", "before_receipt"]
)
def test_killed_oracle_restarts_and_the_job_settles_exactly_once(
    point: str, oracle_net: DevNet, crash_cluster: LocalOracleCluster, publish: Publish
) -> None:
    net, cluster = oracle_net, crash_cluster
    victim = cluster[VICTIM]
    members = [o.address for o in cluster.oracles]
    cluster.stop(VICTIM)
    cluster.start(VICTIM, env={CRASH_ENV: point})
    cluster.wait_healthy([VICTIM])

    spec = matmul_spec(700 + len(point))
    terms = open_job(
        net.consumer,
        net.provider,
        spec,
        price_per_unit=PRICE,
        max_units=MAX_UNITS,
        first_submitter=victim.address,
        members=members,
    )
    jid = job_id(terms)
    nonce_before = _sent(net, victim.address)
    claimable_before = net.protocol.claimable(net.provider.address)
    submission = signed_submission(net.provider, terms, spec, honest_matmul_result(spec), publish)
    assert post_submission(cluster.urls, submission) == [202] * 3

    assert cluster.wait_exit(VICTIM, timeout=30) == -signal.SIGKILL
    persisted = _persisted_settlements(victim.db_path, jid)
    if point in ("after_broadcast", "before_receipt"):
        # anvil mines right after the broadcast: the settlement lands while the oracle is dead.
        wait_until(
            "the broadcast settlement to be mined",
            lambda: _sent(net, victim.address) > nonce_before,
            15,
        )
    mined_while_dead = _sent(net, victim.address) - nonce_before
    if point == "after_verdict_signed":
        assert persisted == []
        assert net.protocol.job(terms).status == JobStatus.ACCEPTED
    else:
        (row,) = persisted
        assert row["status"] == "pending"
        if point == "after_sign":
            assert row["broadcast_at"] is None
            assert mined_while_dead == 0
            assert net.protocol.job(terms).status == JobStatus.ACCEPTED
        else:
            assert mined_while_dead == 1
            assert net.protocol.job(terms).status == JobStatus.SETTLED

    cluster.start(VICTIM)
    cluster.wait_healthy([VICTIM])
    assert wait_closed(net, terms, timeout=30).status == JobStatus.SETTLED

    (settled,) = closing_logs(net, terms)
    assert settled["name"] == "JobSettled"
    if persisted:
        assert settled["tx"] == persisted[0]["tx_hash"], "a new transaction replaced the stored one"
    # Exactly one transaction from the victim, and the provider paid once, by it
    # (settleAndPayOut): a later payout finds nothing to pay.
    assert _sent(net, victim.address) - nonce_before == 1
    (paid_out,) = closing_logs(net, terms, ("JobPaidOut",))
    assert paid_out["tx"] == settled["tx"]
    paid = net.protocol.claimable(net.provider.address) - claimable_before
    assert paid == settled["args"]["providerPay"] > 0
    assert net.provider.pay_out([terms]).count == 0
    assert net.protocol.claimable(net.provider.address) - claimable_before == paid
    key = f"settle:0x{jid.hex()}"
    wait_until(
        "the restarted oracle to record the receipt",
        lambda: [
            e for e in victim.audit() if e["event"] == "tx_confirmed" and e["key"].startswith(key)
        ],
    )
    restarted = [e for e in victim.audit() if e.get("key", "").startswith(key)]
    signed_lines = [e for e in restarted if e["event"] == "tx_signed"]
    assert len(signed_lines) == 1, "the settlement was signed twice"
    if point in ("after_broadcast", "before_receipt"):
        (resent,) = [e for e in restarted if e["event"] == "tx_rebroadcast"]
        assert resent["tx_hash"] == persisted[0]["tx_hash"]
        assert resent["node_said"] in ("nonce too low", "already known")
    confirmed = [e for e in restarted if e["event"] == "tx_confirmed"]
    assert [e["tx_hash"] for e in confirmed] == [settled["tx"]]
    # The restart resumed from the persisted cursor: the accept was not seen twice,
    # and the job was judged once.
    trail = [e for e in victim.audit() if e.get("job") == "0x" + jid.hex()]
    accepted = [e for e in trail if e["event"] == "chain_event" and e["name"] == "JobAccepted"]
    assert len(accepted) == 1
    assert len([e for e in trail if e["event"] == "verdict_signed"]) == 1


def _sent(net: DevNet, address: str) -> int:
    """Transactions mined from ``address`` so far (its account nonce)."""
    return int(net.chain.w3.eth.get_transaction_count(address))  # type: ignore[arg-type]
