"""gpuc job logs, once the job is delivered: the provider runs it no more, so the log comes
from the result archive named by the job's receipt on chain, fetched from a real document
store and hash-checked; before any receipt it says there is no result yet."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from chain_cli_runner import GpucRun
from eth_utils.crypto import keccak
from fastapi import FastAPI

from gpuc.market.document_store import document_router
from protocol.compute.container_result import ContainerMetrics, pack_result, sha256_ref
from protocol.documents import DOCUMENTS_PATH
from provider.results.live_logs import LiveLogs
from provider.results.server import LoopbackServer, ResultServer
from provider.results.store import ResultStore
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

CONSUMER = 1
LOG = b"epoch 0 loss 0.9\nepoch 1 loss 0.4\n"


def test_a_delivered_job_s_log_comes_from_its_signed_result(
    gpuc: GpucRun, devnet: DevNet, tmp_path: Path
) -> None:
    archive = pack_result(
        {"w.bin": b"\x01\x02"},
        LOG,
        ContainerMetrics(wall_seconds=1.5),
        exit_code=0,
        engine="podman",
    )
    devnet.fund(devnet.consumer, 20 * CREDIT)
    devnet.fund_and_stake(devnet.provider, 20 * CREDIT)
    terms = devnet.consumer.new_terms(
        provider=devnet.provider.address, budget=10 * CREDIT, price_per_unit=CREDIT, spec={}
    )
    job = "0x" + devnet.consumer.open_job(terms).job_id.hex()

    market = FastAPI()
    market.include_router(document_router(ResultStore(tmp_path / "docs")), prefix=DOCUMENTS_PATH)
    provider = ResultServer(ResultStore(tmp_path / "results"), logs=LiveLogs(tmp_path / "work"))
    with LoopbackServer(market) as docs, provider:
        env = {"GPUC_MATCHER_URL": docs.base_url}
        args = ("job", "logs", job, "--provider-url", provider.base_url)
        early = gpuc(*args, env=env)
        assert early.exit_code != 0
        assert "runs no container job" in early.output and "no result yet" in early.output

        devnet.provider.accept(terms)
        devnet.provider.submit_receipt(terms, result_hash=keccak(archive), units=2)
        ref = "0x" + keccak(archive).hex()
        missing = gpuc(*args, env=env)  # the provider has not copied it to the store yet
        assert missing.exit_code != 0 and "not available" in missing.output

        put = httpx.put(f"{docs.base_url}{DOCUMENTS_PATH}/{ref}", content=archive)
        assert put.status_code == 201
        found = gpuc.json(*args, env=env)
        assert (found["source"], found["log"], found["exit_code"]) == ("archive", LOG.decode(), 0)
        assert (found["result_hash"], found["log_sha256"]) == (ref, sha256_ref(LOG))
        human = gpuc(*args, env=env)
        assert human.exit_code == 0 and human.stdout.startswith(LOG.decode())
