"""An interrupted `gpuc demo --market` (Ctrl-C, SIGINT) closes the job it opened instead
of leaving it locked: the market's only provider is frozen (SIGSTOP) after it registered
its offer, so the demo's matmul buy fills and the demo's opener opens the job, which no
one accepts; SIGINT then makes the demo cancel it on chain and claim the budget back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from gpuc.market.local_market import LocalMarket
from gpuc.market.plan import MILLI, MarketPlan, ProviderPlan
from gpuc.market.waiting import wait_until
from protocol.pricing import FixedPricing
from protocol.typed_data import JobStatus

pytestmark = pytest.mark.e2e

SELLER = ProviderPlan(
    name="frozen",
    account=2,
    matmul=FixedPricing(price_wei=20 * MILLI),
    embeddings=FixedPricing(price_wei=2 * MILLI),
)
PLAN = MarketPlan(
    providers=(SELLER,),
    open_consumer_jobs=False,  # only the demo's own opener opens its fills
    heartbeat_ttl_s=120,
    accept_window_s=120,
    failover=None,
)


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMarket]:
    with LocalMarket(PLAN, home=tmp_path_factory.mktemp("demo-interrupt")) as running:
        yield running


def test_interrupted_demo_cancels_the_job_it_opened(market: LocalMarket) -> None:
    agent = market.providers[SELLER.name].child.pid
    assert agent is not None
    consumer = market.consumer.address
    before = {jid for jid, _ in market.protocol.jobs_of(consumer)}
    os.kill(agent, signal.SIGSTOP)  # its offer stays in the book; it accepts nothing
    demo = [
        sys.executable, "-m", "gpuc.cli", "demo", "--market", str(market.summary_path),
        "--matmul-jobs", "1", "--embeddings-jobs", "0", "--container-jobs", "0",
    ]  # fmt: skip
    process = subprocess.Popen(
        demo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=market.home
    )
    try:

        def opened() -> bytes | None:
            new = [jid for jid, _ in market.protocol.jobs_of(consumer) if jid not in before]
            return new[0] if new else None

        job = wait_until("the demo to open its job", opened, 120)
        assert market.protocol.job(job).status == JobStatus.OPEN
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        os.kill(agent, signal.SIGCONT)
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode != 0
    assert "closing the jobs this demo opened" in err
    assert f"job 0x{job.hex()}: Open -> Refunded, cancelled: the budget is back" in err
    assert market.protocol.job(job).status == JobStatus.REFUNDED
    assert market.protocol.claimable(consumer) == 0  # claimed back at once
