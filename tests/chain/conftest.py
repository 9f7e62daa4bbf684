"""One anvil with the contracts deployed for the whole session; each test runs inside an
evm_snapshot that is reverted afterwards, so tests are isolated and fast."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from chain_cli_runner import GpucRun

from tools.devnet import DevNet, local_devnet


@pytest.fixture(scope="session")
def devnet_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevNet]:
    with local_devnet(tmp_path_factory.mktemp("deployments")) as net:
        yield net


@pytest.fixture
def devnet(devnet_session: DevNet) -> Iterator[DevNet]:
    with devnet_session.checkpoint() as net:
        yield net


@pytest.fixture
def deployments_dir(devnet_session: DevNet) -> Path:
    return devnet_session.manifest_path.parent


@pytest.fixture
def gpuc(devnet: DevNet) -> GpucRun:
    return GpucRun(devnet)
