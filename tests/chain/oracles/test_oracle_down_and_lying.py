"""2-of-3 with one member down, and with one member lying: the two honest oracles
(real `gpuc oracle run` processes) still settle honest work and slash forgeries."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from oracle_chain_helpers import (
    MAX_UNITS,
    PRICE,
    closing_logs,
    committee,
    events_of,
    tx_sender,
    wait_closed,
)

from gpuc.devnet.local_cluster import LocalOracleCluster
from oracles.audit import jsonable
from oracles.submitter import rotation
from oracles.verdicts import PeerSignature
from protocol.typed_data import JobStatus, Outcome, Verdict, job_id, sign_digest, verdict_digest
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

FALLBACK = 2.0
UP = (0, 1)
ABSENT = 2  # configured as a peer, never started; in the second test it lies


@pytest.fixture(scope="module")
def two_of_three(
    oracle_net: DevNet, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalOracleCluster]:
    settings = {"confirmations": 1, "fallback_after": FALLBACK}
    with committee(oracle_net, tmp_path_factory.mktemp("committee"), settings=settings) as c:
        c.start_all(UP)
        c.wait_healthy(UP)
        yield c


def test_two_of_three_settle_while_the_first_submitter_is_down(
    oracle_net: DevNet, two_of_three: LocalOracleCluster, publish: Publish
) -> None:
    net, cluster = oracle_net, two_of_three
    members = [o.address for o in cluster.oracles]
    spec = matmul_spec(601)
    terms = open_job(
        net.consumer,
        net.provider,
        spec,
        price_per_unit=PRICE,
        max_units=MAX_UNITS,
        first_submitter=members[ABSENT],
        members=members,
    )
    submission = signed_submission(net.provider, terms, spec, honest_matmul_result(spec), publish)
    started = time.monotonic()
    assert post_submission(cluster.urls, submission) == [202, 202, None]
    assert wait_closed(net, terms, timeout=30).status == JobStatus.SETTLED
    elapsed = time.monotonic() - started
    (settled,) = closing_logs(net, terms)
    # A member that is up stepped in, after at least one fallback delay.
    assert tx_sender(net, settled["tx"]) in rotation(members, job_id(terms))[1:]
    assert elapsed >= FALLBACK * 0.9
    assert settled["args"]["units"] == 1


def test_lying_member_is_outvoted_and_the_provider_slashed(
    oracle_net: DevNet, two_of_three: LocalOracleCluster, publish: Publish
) -> None:
    net, cluster = oracle_net, two_of_three
    members = [o.address for o in cluster.oracles]
    liar = cluster[ABSENT]
    spec = matmul_spec(602)
    terms = open_job(
        net.consumer,
        net.provider,
        spec,
        price_per_unit=PRICE,
        max_units=MAX_UNITS,
        first_submitter=liar.address,
        members=members,
    )
    forged = forged_matmul_result(spec)
    submission = signed_submission(net.provider, terms, spec, forged, publish)
    consumer_before = net.protocol.claimable(net.consumer.address)
    # The liar signs "release" for the forged result and pushes it to the honest two
    # before they have even seen the receipt.
    lie = Verdict(
        job_id=job_id(terms),
        outcome=Outcome.RELEASE,
        units=submission.receipt.units,
        result_hash=submission.receipt.result_hash,
        epoch=int(net.protocol.contracts.committee.read("epoch")),
    )
    liar_key = net.chain.accounts[-1].private_key.get_secret_value()
    assert net.chain.accounts[-1].address == liar.address
    signed = PeerSignature(
        verdict=lie,
        signer=liar.address,
        signature=sign_digest(liar_key, verdict_digest(net.protocol.domain, lie)),
    )
    for i in UP:
        response = httpx.post(f"{cluster[i].url}/signatures", json=jsonable(signed), timeout=5)
        assert response.status_code == 202
    assert post_submission([cluster[i].url for i in UP], submission) == [202, 202]

    assert wait_closed(net, terms, timeout=30).status == JobStatus.SLASHED
    (slashed,) = closing_logs(net, terms)
    assert slashed["name"] == "JobSlashed"
    compensation = slashed["args"]["compensation"]
    gained = net.protocol.claimable(net.consumer.address) - consumer_before
    assert gained == PRICE * MAX_UNITS + compensation
    for i in UP:
        (own,) = events_of(cluster, i, "verdict_signed", job_id(terms))
        assert own["verdict"]["outcome"] == Outcome.FAULT
        # The lie is on record as a disagreement, with both verdicts.
        (disagreement,) = events_of(cluster, i, "peer_disagrees", job_id(terms))
        assert disagreement["signer"] == liar.address
        assert disagreement["verdict"]["outcome"] == Outcome.RELEASE
        assert disagreement["own_verdict"]["outcome"] == Outcome.FAULT
