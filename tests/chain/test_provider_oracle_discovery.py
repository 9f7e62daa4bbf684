"""A provider finds oracles that join the committee after it started: the members'
endpoints (a real matcher's /api/oracles on loopback, filtered by membership on a real
anvil chain) are read again periodically and at once when an oracle fails, so the new
member receives receipts. A URL published by a non-member never does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from matcher.api import create_app
from matcher.settings import MatcherSettings
from protocol.matcher_client import MatcherClient
from protocol.oracle_endpoints import member_endpoints
from protocol.typed_data import JobTerms, Receipt, job_id
from protocol.wire.oracle import ReceiptSubmission
from provider.agent_log import AgentLog
from provider.oracle_directory import OracleDirectory, deliver_receipt
from provider.results.server import LoopbackServer
from tools.devnet import DevNet

# A well-formed submission; these oracles only record what they get.
_TERMS = JobTerms(
    consumer="0x" + "11" * 20,
    provider="0x" + "22" * 20,
    budget=10**18,
    price_per_unit=10**15,
    accept_deadline=1_900_000_000,
    deadline=1_900_000_600,
    spec=b"\x33" * 32,
    salt=7,
)
SUBMISSION = ReceiptSubmission(
    terms=_TERMS,
    receipt=Receipt(
        job_id=job_id(_TERMS),
        result_hash=b"\x44" * 32,
        units=3,
        started_at=1_900_000_100,
        finished_at=1_900_000_200,
    ),
    signature="0x" + "55" * 64 + "1b",
    result_url="http://127.0.0.1:9/result",
    spec={"kind": "matmul"},
)
BODY: dict[str, Any] = SUBMISSION.model_dump(mode="json")


class RecordingOracle:
    """An oracle's POST /receipts on loopback that records what it is sent."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        app = FastAPI()

        @app.post("/receipts", status_code=202)
        async def receipts(request: Request) -> dict[str, str]:
            self.received.append(await request.json())
            return {"status": "accepted"}

        self.server = LoopbackServer(app)
        self.base_url = ""

    def __enter__(self) -> RecordingOracle:
        self.server.start()
        self.base_url = self.server.base_url
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


@pytest.fixture
def matcher_url(devnet: DevNet, tmp_path: Path) -> Iterator[str]:
    settings = MatcherSettings(
        database_url=f"sqlite:///{tmp_path / 'matcher.db'}", chain_id=devnet.protocol.chain_id
    )
    with LoopbackServer(create_app(settings)) as server:
        yield server.base_url


def test_an_oracle_that_joins_later_receives_receipts(devnet: DevNet, matcher_url: str) -> None:
    chain_id = devnet.protocol.chain_id
    first, late, outsider = RecordingOracle(), RecordingOracle(), RecordingOracle()
    newcomer, stranger = devnet.wallets[5], devnet.wallets[6]
    with httpx.Client(timeout=10) as http:
        reader = MatcherClient(matcher_url, chain_id=chain_id, http=http)
        log = AgentLog()
        directory = OracleDirectory(
            [], lambda: member_endpoints(devnet.protocol, reader), log, refresh_s=3600
        )
        with first, late, outsider:
            MatcherClient(matcher_url, chain_id=chain_id, wallet=devnet.oracles[0].wallet,
                          http=http).publish_oracle_endpoint(first.base_url)  # fmt: skip
            assert directory.urls() == [first.base_url]  # the provider starts

            # After the start: a new member joins and publishes; a non-member publishes too.
            committee = devnet.protocol.contracts.committee
            devnet.protocol.sender(devnet.deployer).send(
                committee.tx("addMember", newcomer.address)
            )
            for wallet, oracle in ((newcomer, late), (stranger, outsider)):
                MatcherClient(matcher_url, chain_id=chain_id, wallet=wallet,
                              http=http).publish_oracle_endpoint(oracle.base_url)  # fmt: skip

            # Not due yet, and every known oracle answers: the list is kept as it was.
            answers = deliver_receipt(directory, SUBMISSION, http, retry_s=0)
            assert [a.url for a in answers] == [first.base_url]
            assert late.received == []

            # The first oracle goes down: the failure makes the provider read the list
            # again at once, and the new member gets the receipt.
            first.server.stop()
            answers = deliver_receipt(directory, SUBMISSION, http, retry_s=2, pause_s=0.1)
        by_url = {a.url: a.status for a in answers}
        assert by_url == {first.base_url: None, late.base_url: 202}
        assert late.received == [BODY] and outsider.received == []

        # And periodically, without a failure: a fresh directory that is due re-reads.
        periodic = OracleDirectory(
            [], lambda: member_endpoints(devnet.protocol, reader), log, refresh_s=0
        )
        urls = periodic.urls()
        assert late.base_url in urls and outsider.base_url not in urls
