"""Three `gpuc oracle run` processes on anvil settle honest jobs, slash forged ones,
batch settlements, leave honest optimistic receipts to finalize, and refuse bad input."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_utils.crypto import keccak
from oracle_chain_helpers import (
    MAX_UNITS,
    PRICE,
    audited_by_all,
    closing_logs,
    committee,
    events_of,
    tx_sender,
    wait_closed,
    wait_until,
)

from gpuc.devnet.local_cluster import LocalOracleCluster
from oracles.audit import jsonable
from oracles.submitter import rotation
from oracles.verdicts import PeerSignature
from protocol.typed_data import JobStatus, JobTerms, Verdict, job_id, sign_digest, verdict_digest
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

# A long fallback: on a loaded machine the first submitter must still be the only one.
SETTINGS = {"confirmations": 2, "fallback_after": 10.0, "batch_wait": 0.5}


@pytest.fixture(scope="module")
def cluster(
    oracle_net: DevNet, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalOracleCluster]:
    with committee(oracle_net, tmp_path_factory.mktemp("committee"), settings=SETTINGS) as c:
        c.start_all()
        c.wait_healthy()
        yield c


def _accepted_job(net: DevNet, spec: dict[str, Any], **kwargs: Any) -> JobTerms:
    terms = open_job(
        net.consumer, net.provider, spec, price_per_unit=PRICE, max_units=MAX_UNITS, **kwargs
    )
    net.chain.mine()  # one block on top: the accept is confirmed at depth 2
    return terms


@pytest.fixture(scope="module")
def honest_and_forged(
    oracle_net: DevNet, cluster: LocalOracleCluster, publish: Publish
) -> dict[str, Any]:
    """One honest and one forged job, each posted to the three oracles and closed."""
    net = oracle_net
    provider = net.provider.address
    claimable_before = net.protocol.claimable(provider)
    honest = _accepted_job(net, matmul_spec(101))
    forged = _accepted_job(net, matmul_spec(202))
    honest_sub = signed_submission(
        net.provider, honest, matmul_spec(101), honest_matmul_result(matmul_spec(101)), publish
    )
    forged_sub = signed_submission(
        net.provider, forged, matmul_spec(202), forged_matmul_result(matmul_spec(202)), publish
    )
    # One after the other: each is settled on its own (two due together would batch).
    statuses = post_submission(cluster.urls, honest_sub)
    honest_state = wait_closed(net, honest)
    statuses += post_submission(cluster.urls, forged_sub)
    return {
        "statuses": statuses,
        "honest": honest,
        "forged": forged,
        "honest_state": honest_state,
        "forged_state": wait_closed(net, forged),
        "honest_submission": honest_sub,
        "claimable_before": claimable_before,
    }


def test_honest_job_is_settled_once_by_its_first_submitter(
    oracle_net: DevNet, cluster: LocalOracleCluster, honest_and_forged: dict[str, Any]
) -> None:
    net, terms = oracle_net, honest_and_forged["honest"]
    assert honest_and_forged["statuses"] == [202] * 6
    state = honest_and_forged["honest_state"]
    assert state.status == JobStatus.SETTLED
    assert state.units == 1
    logs = closing_logs(net, terms)
    assert [entry["name"] for entry in logs] == ["JobSettled"]
    settled = logs[0]["args"]
    assert settled["units"] == 1 and settled["optimistic"] is False
    assert settled["resultHash"] == honest_and_forged["honest_submission"].receipt.result_hash
    # Settled alone, so settled and paid out in one transaction (settleAndPayOut): the
    # provider's pay is credited already (the forged one pays 0) and a payout of it, as the
    # provider agent might still send, credits nothing and does not fail.
    assert state.paid_out
    (paid_out,) = closing_logs(net, terms, ("JobPaidOut",))
    assert paid_out["tx"] == logs[0]["tx"]
    before = honest_and_forged["claimable_before"]
    paid = net.protocol.claimable(net.provider.address) - before
    assert paid == settled["providerPay"] == paid_out["args"]["providerPay"] > 0
    assert net.provider.pay_out([terms]).paid == ()
    assert net.protocol.claimable(net.provider.address) - before == paid
    # The rotation's first member sent it, and only it did.
    first = rotation([o.address for o in cluster.oracles], job_id(terms))[0]
    assert tx_sender(net, logs[0]["tx"]) == first
    first_index = cluster.by_address(first).index
    wait_until(
        "the submitter's audit line",
        lambda: events_of(cluster, first_index, "settlement_sent", job_id(terms)),
    )
    senders = [i for i in range(3) if events_of(cluster, i, "settlement_sent", job_id(terms))]
    assert senders == [first_index]
    (sent,) = events_of(cluster, first_index, "settlement_sent", job_id(terms))
    assert sent["method"].endswith(".settleAndPayOut")
    # The members that judged it (k at least; a slow third may find it closed) signed
    # a release verdict with its evidence.
    for signed in _verdicts(cluster, job_id(terms)):
        assert signed["verdict"]["outcome"] == 1
        assert signed["evidence"]["failures"] == []
        facts = signed["evidence"]["facts"]
        assert facts["freivalds_vectors"] == 20 and facts["freivalds_max_ratio"] <= 1.0


def _verdicts(cluster: LocalOracleCluster, job: bytes) -> list[dict[str, Any]]:
    """The verdict_signed lines of every member that signed one: at least k, one each."""
    lines = [events_of(cluster, i, "verdict_signed", job) for i in range(3)]
    assert all(len(found) <= 1 for found in lines), "a member judged the job twice"
    signed = [found[0] for found in lines if found]
    assert len(signed) >= 2
    return signed


def test_forged_result_slashes_the_provider(
    oracle_net: DevNet, cluster: LocalOracleCluster, honest_and_forged: dict[str, Any]
) -> None:
    net, terms = oracle_net, honest_and_forged["forged"]
    assert honest_and_forged["forged_state"].status == JobStatus.SLASHED
    (slashed,) = closing_logs(net, terms)
    assert slashed["name"] == "JobSlashed"
    assert slashed["args"]["reason"] == 0  # FaultVerdict
    assert slashed["args"]["slashed"] == (PRICE * MAX_UNITS + 1) // 2  # 50 % collateral
    # A fault pays nothing out: plain settle, even with settle_and_pay_out on.
    sent = [e for i in range(3) for e in events_of(cluster, i, "settlement_sent", job_id(terms))]
    assert sent and all(e["method"].endswith(".settle") for e in sent)
    for signed in _verdicts(cluster, job_id(terms)):
        assert signed["verdict"]["outcome"] == 2
        codes = [f["code"] for f in signed["evidence"]["failures"]]
        assert codes == ["wrong_result"]
        assert signed["evidence"]["facts"]["freivalds_max_ratio"] > 1.0


def test_closed_job_is_refused_and_nothing_changes(
    oracle_net: DevNet, cluster: LocalOracleCluster, honest_and_forged: dict[str, Any]
) -> None:
    again = post_submission(cluster.urls, honest_and_forged["honest_submission"])
    assert again == [409, 409, 409]
    assert len(closing_logs(oracle_net, honest_and_forged["honest"])) == 1


def test_receipts_that_become_ready_together_settle_in_one_batch(
    oracle_net: DevNet, cluster: LocalOracleCluster, publish: Publish
) -> None:
    net = oracle_net
    members = [o.address for o in cluster.oracles]
    specs = [matmul_spec(300 + i) for i in range(3)]
    jobs = [
        open_job(
            net.consumer,
            net.provider,
            spec,
            price_per_unit=PRICE,
            max_units=MAX_UNITS,
            first_submitter=members[0],
            members=members,
            accept=False,
        )
        for spec in specs
    ]
    for terms, spec in zip(jobs, specs, strict=True):
        submission = signed_submission(
            net.provider, terms, spec, honest_matmul_result(spec), publish
        )
        assert post_submission(cluster.urls, submission) == [202] * 3
    # All three accepts in one block, confirmed by the next: the oracles judge them together.
    net.chain.rpc("evm_setAutomine", [False])
    try:
        sender = net.provider.sender
        for terms in jobs:
            request = net.protocol.contracts.escrow.tx("accept", terms.as_tuple())
            sender.broadcast(sender.prepare(request))
        net.chain.mine()
    finally:
        net.chain.rpc("evm_setAutomine", [True])
    net.chain.mine()
    for terms in jobs:
        assert wait_closed(net, terms).status == JobStatus.SETTLED
    logs = [closing_logs(net, terms) for terms in jobs]
    assert all([entry["name"] for entry in log] == ["JobSettled"] for log in logs)
    by_tx = Counter(log[0]["tx"] for log in logs)
    # Normally one transaction; on a heavily loaded machine a late quorum may miss
    # the batch_wait and go alone, but a batch of at least two must have happened.
    (batch_tx, batched), *_ = by_tx.most_common()
    assert batched >= 2, "every job was settled by its own transaction"
    escrow = net.protocol.contracts.escrow
    selector = escrow.encode("settleBatch", [], 0, b"")[:4]
    assert bytes(net.chain.w3.eth.get_transaction(batch_tx)["input"])[:4] == selector
    # A batch keeps the two steps: its jobs wait for the provider's (batched) payOut.
    for terms, log in zip(jobs, logs, strict=True):
        if log[0]["tx"] == batch_tx:
            assert not net.protocol.job(terms).paid_out
    assert {tx_sender(net, tx) for tx in by_tx} == {members[0]}


def test_honest_receipt_committed_on_chain_is_left_to_finalize(
    oracle_net: DevNet, cluster: LocalOracleCluster, publish: Publish
) -> None:
    net = oracle_net
    spec = matmul_spec(401)
    terms = open_job(net.consumer, net.provider, spec, price_per_unit=PRICE, max_units=MAX_UNITS)
    submission = signed_submission(
        net.provider, terms, spec, honest_matmul_result(spec), publish, committed_on_chain=True
    )
    assert post_submission(cluster.urls, submission) == [202] * 3
    net.provider.submit_receipt(
        terms, result_hash=submission.receipt.result_hash, units=submission.receipt.units
    )
    net.chain.mine()
    jid = job_id(terms)
    wait_until(
        "every oracle to leave the release to the window",
        lambda: audited_by_all(cluster, "verdict_release_left_to_finalize", jid, range(3)),
    )
    assert net.protocol.job(terms).status == JobStatus.DELIVERED
    net.advance(net.protocol.contracts.escrow.read("disputeWindow") + 1)
    net.provider.finalize(terms)
    (settled,) = closing_logs(net, terms)
    assert settled["name"] == "JobSettled" and settled["args"]["optimistic"] is True
    for i in range(3):
        assert not events_of(cluster, i, "verdict_signed", jid)
        assert not events_of(cluster, i, "settlement_sent", jid)


def test_forged_receipt_committed_on_chain_is_slashed_inside_the_window(
    oracle_net: DevNet, cluster: LocalOracleCluster, publish: Publish
) -> None:
    net = oracle_net
    spec = matmul_spec(402)
    terms = open_job(net.consumer, net.provider, spec, price_per_unit=PRICE, max_units=MAX_UNITS)
    submission = signed_submission(
        net.provider, terms, spec, forged_matmul_result(spec), publish, committed_on_chain=True
    )
    assert post_submission(cluster.urls, submission) == [202] * 3
    delivered = net.provider.submit_receipt(
        terms, result_hash=submission.receipt.result_hash, units=submission.receipt.units
    )
    net.chain.mine()
    assert wait_closed(net, terms).status == JobStatus.SLASHED
    (slashed,) = closing_logs(net, terms)
    window = int(net.protocol.contracts.escrow.read("disputeWindow"))
    delivered_at = net.chain.w3.eth.get_block(delivered.tx.block_number)["timestamp"]
    slashed_at = net.chain.w3.eth.get_block(slashed["block"])["timestamp"]
    assert slashed_at < delivered_at + window


def _post_json(url: str, path: str, body: Any) -> httpx.Response:
    return httpx.post(f"{url}{path}", json=body, timeout=5.0)


def test_bad_submissions_and_signatures_are_refused_and_nothing_is_stored(
    oracle_net: DevNet, cluster: LocalOracleCluster, publish: Publish
) -> None:
    net = oracle_net
    url = cluster[0].url
    spec = matmul_spec(501)
    terms = _accepted_job(net, spec)
    good = signed_submission(net.provider, terms, spec, honest_matmul_result(spec), publish)
    body = jsonable(good)

    wrong_spec = {**body, "spec": matmul_spec(502)}
    response = _post_json(url, "/receipts", wrong_spec)
    assert response.status_code == 422
    assert (
        response.json()["error"] == "InvalidSubmission" and "hashes to" in response.json()["detail"]
    )

    by_consumer = net.consumer.wallet.sign_digest(keccak(b"not the receipt"))
    response = _post_json(url, "/receipts", {**body, "signature": "0x" + by_consumer.hex()})
    assert response.status_code == 422 and "signed by" in response.json()["detail"]

    unknown_terms = terms.model_copy(update={"salt": terms.salt + 10**9})
    unknown = signed_submission(
        net.provider, unknown_terms, spec, honest_matmul_result(spec), publish
    )
    response = _post_json(url, "/receipts", jsonable(unknown))
    assert response.status_code == 404 and response.json()["error"] == "JobNotOnChain"

    response = _post_json(url, "/receipts", {"terms": body["terms"]})
    assert response.status_code == 422 and response.json()["error"] == "InvalidRequest"

    view = httpx.get(f"{url}/jobs/0x{job_id(terms).hex()}", timeout=5.0).json()
    assert view["submission"] is None and view["verdict"] is None

    # A verdict signature from a non-member, and one that is not the signer's.
    verdict = Verdict(job_id=job_id(terms), outcome=1, units=1, result_hash=bytes(32), epoch=0)
    epoch = int(net.protocol.contracts.committee.read("epoch"))
    verdict = verdict.model_copy(update={"epoch": epoch})
    digest = verdict_digest(net.protocol.domain, verdict)
    outsider = net.consumer.wallet
    signed = PeerSignature(
        verdict=verdict, signer=outsider.address, signature=outsider.sign_digest(digest)
    )
    response = _post_json(url, "/signatures", jsonable(signed))
    assert response.status_code == 403 and response.json()["error"] == "NotCommitteeMember"
    member_key = net.chain.accounts[-1].private_key.get_secret_value()
    impostor = PeerSignature(
        verdict=verdict, signer=cluster[1].address, signature=sign_digest(member_key, digest)
    )
    assert cluster[1].address != net.chain.accounts[-1].address
    response = _post_json(url, "/signatures", jsonable(impostor))
    assert response.status_code == 422 and response.json()["error"] == "InvalidPeerSignature"
    view = httpx.get(f"{url}/jobs/0x{job_id(terms).hex()}", timeout=5.0).json()
    assert view["votes"] == []


def test_healthz_metrics_and_audit_trail(
    cluster: LocalOracleCluster, honest_and_forged: dict[str, Any]
) -> None:
    totals: Counter[str] = Counter()
    for oracle in cluster.oracles:
        health = httpx.get(f"{oracle.url}/health", timeout=5.0)
        assert health.status_code == 200
        data = health.json()
        assert data["status"] == "ok" and data["rpc_ok"] is True
        assert data["address"] == oracle.address
        assert 0 <= data["lag_blocks"] <= 2
        values = _samples(httpx.get(f"{oracle.url}/metrics", timeout=5.0).text)
        assert values['gpuc_oracle_receipts_seen_total{source="api"}'] >= 2
        assert "gpuc_oracle_lag_blocks" in values and "gpuc_oracle_head_block" in values
        totals.update({k: int(v) for k, v in values.items() if k.startswith("gpuc_oracle_")})
    # Summed over the committee: at least k members judged each job.
    assert totals['gpuc_oracle_verified_total{outcome="release"}'] >= 2
    assert totals['gpuc_oracle_verified_total{outcome="fault"}'] >= 2
    assert totals['gpuc_oracle_faults_total{code="wrong_result"}'] >= 2
    assert totals['gpuc_oracle_verdicts_sent_total{channel="peer"}'] >= 4
    assert totals['gpuc_oracle_verdicts_sent_total{channel="chain"}'] >= 2
    # The audit trail is JSON lines naming each decision with its evidence.
    forged = job_id(honest_and_forged["forged"])
    trail = [e["event"] for e in cluster[0].audit() if e.get("job") == "0x" + forged.hex()]
    assert (
        trail.index("receipt_received") < trail.index("verdict_signed") < trail.index("job_closed")
    )


def _samples(text: str) -> dict[str, float]:
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def test_cluster_home_holds_each_members_own_state(cluster: LocalOracleCluster) -> None:
    homes = {Path(o.home) for o in cluster.oracles}
    assert len(homes) == 3
    for oracle in cluster.oracles:
        assert oracle.db_path.exists() and oracle.config_path.read_text().count("[[peers]]") == 2


def test_a_key_outside_the_committee_is_refused_at_start(
    oracle_net: DevNet, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outsider = oracle_net.chain.accounts[1].private_key.get_secret_value()  # the consumer
    home = tmp_path_factory.mktemp("outsider")
    with LocalOracleCluster(
        oracle_net.chain.rpc_url, oracle_net.manifest_path, [outsider], home
    ) as c:
        c.start(0)
        assert c.wait_exit(0, timeout=60) == 1
        assert "is not a member of the committee" in c[0].log_path.read_text()


def test_verdict_signed_before_a_committee_change_still_settles(
    oracle_net: DevNet, cluster: LocalOracleCluster, publish: Publish
) -> None:
    net = oracle_net
    members = [o.address for o in cluster.oracles]
    first, second = cluster[0], cluster[1]
    spec = matmul_spec(601)
    terms = open_job(
        net.consumer,
        net.provider,
        spec,
        price_per_unit=PRICE,
        max_units=MAX_UNITS,
        first_submitter=first.address,
        members=members,
    )
    net.chain.mine()
    jid = job_id(terms)
    submission = signed_submission(net.provider, terms, spec, honest_matmul_result(spec), publish)
    committee_contract = net.protocol.contracts.committee
    owner = net.protocol.sender(net.deployer)
    newcomer = net.chain.accounts[6].address
    epoch_before = int(committee_contract.read("epoch"))

    assert post_submission([first.url], submission) == [202]
    wait_until("the first member to sign", lambda: events_of(cluster, 0, "verdict_signed", jid))
    owner.send(committee_contract.tx("addMember", newcomer))  # bumps the epoch
    try:
        assert post_submission([second.url], submission) == [202]
        assert wait_closed(net, terms).status == JobStatus.SETTLED
    finally:
        owner.send(committee_contract.tx("removeMember", newcomer))
    # The committee accepts a verdict of the earlier epoch while its signers remain members:
    # if the second member also signed under the old epoch (its epoch cache may lag), the
    # first keeps its verdict; if the second signed under the new one, the first re-signs
    # once so both signatures cover the same digest. Either way the job settles.
    resigned = events_of(cluster, 0, "verdict_resigned_for_epoch", jid)
    assert len(resigned) <= 1
    for event in resigned:
        assert (event["old"], event["new"]) == (epoch_before, epoch_before + 1)
    (settled,) = closing_logs(net, terms)
    assert tx_sender(net, settled["tx"]) == first.address
