"""One anvil with the contracts for all oracle chain tests, a funded consumer and
staked provider, and the provider agent's real result server for published results.
Each test module starts its own committee of `gpuc oracle run` processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from protocol.deploy_config import DeployConfig
from provider.results.server import ResultServer
from provider.results.store import ResultStore
from tools.dev_jobs import Publish
from tools.devnet import CREDIT, DevNet, local_devnet

DISPUTE_WINDOW = 300


@pytest.fixture(scope="session")
def oracle_net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevNet]:
    deployments = tmp_path_factory.mktemp("oracle-deployments")
    with local_devnet(deployments, config=DeployConfig(dispute_window=DISPUTE_WINDOW)) as net:
        net.fund(net.consumer, 1_000 * CREDIT)
        net.fund_and_stake(net.provider, 1_000 * CREDIT)
        yield net


@pytest.fixture(scope="session")
def publish(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Publish]:
    store = ResultStore(tmp_path_factory.mktemp("provider-results"))
    server = ResultServer(store)
    server.start()
    try:
        yield lambda data: server.result_url(store.put(data))
    finally:
        server.stop()
