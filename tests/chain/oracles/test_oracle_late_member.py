"""A member that joins the committee after the others started is found by them.

Three `gpuc oracle run` processes start with no [[peers]] in their configs: they know
each other only through a real matcher's /api/oracles list (on loopback), filtered by
membership on a real anvil chain. Then the owner adds a fourth member (addMember), it
publishes its endpoint and starts. A job's receipt goes to the newcomer and to one of
the first three only; the job settles with k = 2 only if verdict signatures flow both
ways between them, which needs the first member to re-read the list while running."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from oracle_chain_helpers import (
    BASE_SETTINGS,
    MAX_UNITS,
    PRICE,
    events_of,
    member_keys,
    wait_closed,
    wait_until,
)

from gpuc.devnet.local_cluster import LocalOracle, LocalOracleCluster
from matcher.api import create_app
from matcher.settings import MatcherSettings
from protocol.deploy_config import DeployConfig
from protocol.matcher_client import MatcherClient
from protocol.typed_data import JobStatus, job_id
from protocol.wire.health import HEALTH_PATH
from provider.results.server import LoopbackServer
from tools.dev_jobs import (
    Publish,
    honest_matmul_result,
    matmul_spec,
    open_job,
    post_submission,
    signed_submission,
)
from tools.devnet import CREDIT, DevNet, local_devnet

pytestmark = pytest.mark.chain

NEWCOMER = 5  # a devnet account that is not a member at deployment
SETTINGS = {
    **BASE_SETTINGS,
    "confirmations": 2,
    "fallback_after": 1.0,
    "peer_refresh_s": 0.5,
}


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevNet]:
    """A chain of its own: adding a member must not change the other modules' committee."""
    deployments = tmp_path_factory.mktemp("late-member-deployments")
    with local_devnet(deployments, config=DeployConfig(dispute_window=300)) as devnet:
        devnet.fund(devnet.consumer, 100 * CREDIT)
        devnet.fund_and_stake(devnet.provider, 100 * CREDIT)
        yield devnet


@pytest.fixture(scope="module")
def matcher_url(net: DevNet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("late-member-matcher") / "matcher.db"
    settings = MatcherSettings(database_url=f"sqlite:///{db}", chain_id=net.protocol.chain_id)
    with LoopbackServer(create_app(settings)) as server:
        yield server.base_url


def _publish_endpoint(net: DevNet, matcher_url: str, oracle: LocalOracle) -> None:
    with MatcherClient(matcher_url, chain_id=net.protocol.chain_id, wallet=oracle.wallet) as m:
        m.publish_oracle_endpoint(oracle.url)


def _received_from(cluster: LocalOracleCluster, index: int, signer: str, job: bytes) -> bool:
    return any(
        e["signer"].lower() == signer.lower()
        for e in events_of(cluster, index, "peer_signature_received", job)
    )


def test_a_member_that_joins_later_exchanges_signatures(
    net: DevNet, matcher_url: str, publish: Publish, tmp_path: Path
) -> None:
    newcomer_key = net.chain.accounts[NEWCOMER].private_key.get_secret_value()
    keys = [*member_keys(net), newcomer_key]
    settings = {**SETTINGS, "matcher_url": matcher_url}
    with LocalOracleCluster(
        net.chain.rpc_url, net.manifest_path, keys, tmp_path, settings=settings, static_peers=False
    ) as cluster:
        first, newcomer = cluster[0], cluster[3]
        for oracle in cluster.oracles[:3]:
            _publish_endpoint(net, matcher_url, oracle)
        cluster.start_all([0, 1, 2])
        cluster.wait_healthy([0, 1, 2])
        # The first three found each other, and no one else, through the matcher.
        started = next(e for e in first.audit() if e["event"] == "api_listening")
        assert sorted(started["peers"]) == sorted([cluster[1].url, cluster[2].url])

        # After their start: the owner adds the fourth member; it publishes and starts.
        committee = net.protocol.contracts.committee
        net.protocol.sender(net.deployer).send(committee.tx("addMember", newcomer.address))
        _publish_endpoint(net, matcher_url, newcomer)
        cluster.start_all([3])
        cluster.wait_healthy([3])
        wait_until(
            "the first member to find the newcomer",
            lambda: any(
                e["event"] == "peers_discovered"
                and e["members"].get(newcomer.address) == newcomer.url
                for e in first.audit()
            ),
        )

        # The receipt reaches only the first member and the newcomer: k = 2 of them.
        spec = matmul_spec(303)
        terms = open_job(
            net.consumer, net.provider, spec, price_per_unit=PRICE, max_units=MAX_UNITS
        )
        net.chain.mine()
        submission = signed_submission(
            net.provider, terms, spec, honest_matmul_result(spec), publish
        )
        assert post_submission([first.url, newcomer.url], submission) == [202, 202]
        state = wait_closed(net, terms, timeout=60)
        assert state.status == JobStatus.SETTLED and state.units == 1

        jid = job_id(terms)
        assert _received_from(cluster, 0, newcomer.address, jid)  # newcomer -> first
        assert _received_from(cluster, 3, first.address, jid)  # first -> newcomer
        # The members that got no receipt received both signatures too.
        for index in (1, 2):
            assert _received_from(cluster, index, newcomer.address, jid)
        with httpx.Client(timeout=5) as http:
            assert http.get(newcomer.url + HEALTH_PATH).status_code == 200
