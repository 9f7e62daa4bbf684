"""LLM sessions judged by the oracle committee on anvil, with the real model.

A consumer chats through the gateway (the ``openai`` client, real HTTP) with a
provider's LLM server; the provider closes the session with its final bill as the
receipt and posts it to the three oracles. Each oracle fetches the bill chain and
its own secret sample of exchanges from the provider, re-runs them with the
reference engine, and the committee reaches a 2-of-3 verdict: the cheating
provider (``--cheat inflated``: honest answers, twice the completion tokens
billed) is slashed inside the dispute window and the consumer compensated; the
honest one is left to finalize and is paid per token.

A provider that commits its receipt on chain and never posts it to the oracles is
judged all the same: the consumer's gateway (gpuc.gateway.evidence) sees the
ReceiptSubmitted and posts its signed evidence (terms, spec, session URL, latest
bill); forged evidence (another signer, another spec) is refused and stores nothing.

The oracles run in this process (one model load for the whole test session, the
``llm_engine`` fixture) with their real stores, HTTP APIs, peer exchange and
transaction managers; `gpuc oracle run` processes would each load the model.
"""

from __future__ import annotations

import asyncio
import io
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import httpx
import openai
import pytest
from oracle_chain_helpers import closing_logs, member_keys, wait_closed, wait_until

from gpuc.devnet.llm_cheat import LLMCheat, answer_tamper
from gpuc.gateway.evidence import EvidenceReporter
from gpuc.gateway.gateway import Gateway, create_gateway_app
from gpuc.gateway.sessions import ChainSessionOpener, OpenedSession
from oracles.api import create_app
from oracles.audit import AuditLog
from oracles.config import OracleConfig, PeerConfig
from oracles.db import Database
from oracles.metrics import OracleMetrics
from oracles.node import OracleNode
from oracles.service import build_node
from protocol.llm.bill import SignedBill, chain_head
from protocol.llm.transformers_engine import TransformersEngine
from protocol.typed_data import JobStatus, JobTerms, job_id
from protocol.wallet import Wallet
from protocol.wire.llm_evidence import EVIDENCE_PATH, sign_evidence
from provider.llm.chain_sessions import SessionAcceptor
from provider.llm.server import LLMServer, create_llm_app
from provider.llm.session import Session, SessionBook
from provider.results.server import LoopbackServer
from tools.devnet import CREDIT, DevNet

pytestmark = pytest.mark.chain

MODEL = "gemma-3-270m"
PRICE = CREDIT // 1000  # 1 GPUC per 1k tokens
SESSION_TOKENS = 1_000


@dataclass
class Member:
    node: OracleNode
    audit: io.StringIO
    url: str

    def events(self, event: str, job: bytes) -> list[str]:
        wanted = f'"job":"0x{job.hex()}"'
        return [
            line
            for line in self.audit.getvalue().splitlines()
            if f'"event":"{event}"' in line and wanted in line
        ]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def oracles(
    oracle_net: DevNet, llm_engine: TransformersEngine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Member]]:
    home = tmp_path_factory.mktemp("llm-committee")
    wallets = [Wallet.from_private_key(key) for key in member_keys(oracle_net)]
    ports = [_free_port() for _ in wallets]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    stop = threading.Event()
    with ExitStack() as stack:
        members: list[Member] = []
        threads = []
        for i, wallet in enumerate(wallets):
            config = OracleConfig(
                db_path=home / f"oracle-{i}.db",
                confirmations=1,
                poll_interval=0.05,
                peer_timeout=2.0,
                fallback_after=10.0,
                peers=tuple(
                    PeerConfig(address=other.address, url=urls[j])
                    for j, other in enumerate(wallets)
                    if j != i
                ),
            )
            db = Database(config.db_path)
            stack.callback(db.close)
            stream = io.StringIO()
            metrics = OracleMetrics()
            node = build_node(
                protocol=oracle_net.protocol,
                wallet=wallet,
                config=config,
                db=db,
                audit=AuditLog(wallet.address, stream=stream),
                metrics=metrics,
                llm_loader=lambda model: llm_engine,
            )
            node.start()
            stack.enter_context(LoopbackServer(create_app(node, metrics), port=ports[i]))
            members.append(Member(node, stream, urls[i]))
        for member in members:
            thread = threading.Thread(target=member.node.run, args=(stop,), daemon=True)
            thread.start()
            threads.append(thread)
        try:
            yield members
        finally:
            stop.set()
            for member in members:
                member.node.wake()
            for thread in threads:
                thread.join(timeout=10)


@dataclass
class Served:
    terms: JobTerms
    job: bytes
    tokens: int
    acceptor: SessionAcceptor
    reporter: EvidenceReporter
    session: OpenedSession


AfterCommit = Callable[[EvidenceReporter, OpenedSession], None]


def _serve_session(
    net: DevNet,
    engine: TransformersEngine,
    oracles: list[Member],
    cheat: LLMCheat | None,
    before_close: Callable[[Session, SignedBill], None] | None = None,
    *,
    provider_posts: bool = True,
    after_commit: AfterCommit | None = None,
) -> Served:
    """Open a session through the gateway, chat twice (streamed and not), close it
    (``before_close`` gets the provider's session and the consumer's last bill).
    ``provider_posts=False``: the provider commits its receipt and tells no oracle;
    the consumer's evidence reporter does (``after_commit`` runs just before)."""
    book = SessionBook(net.provider.wallet)
    server = LLMServer(
        engine,
        book,
        net.provider.address,
        answer_tamper=None if cheat is None else answer_tamper(cheat),
        price_per_token=PRICE,
    )
    urls = [m.url for m in oracles]
    acceptor = SessionAcceptor(
        net.provider, book, MODEL, PRICE, oracle_urls=urls if provider_posts else []
    )
    reporter = EvidenceReporter(net.consumer, urls)
    server.acceptor = acceptor
    with LoopbackServer(create_llm_app(server)) as running:
        acceptor.public_url = running.base_url
        gateway = Gateway(
            [running.base_url],
            reporter.opener(ChainSessionOpener(net.consumer)),
            session_tokens=SESSION_TOKENS,
        )
        with LoopbackServer(create_gateway_app(gateway)) as front:
            client = openai.OpenAI(base_url=f"{front.base_url}/v1", api_key="local", max_retries=0)
            chunks = list(
                client.chat.completions.create(
                    model=MODEL,
                    messages=[{"role": "user", "content": "Name a color."}],
                    max_tokens=4,
                    stream=True,
                )
            )
            assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            completion = client.completions.create(
                model=MODEL, prompt="The capital of France is", max_tokens=4
            )
            assert completion.usage is not None
        asyncio.run(gateway.aclose())
        (session,) = gateway.sessions.values()
        job = session.credential.job_id
        terms = acceptor._terms[job]
        if before_close is not None:
            assert isinstance(session.latest_bill, SignedBill)
            before_close(book.get(job), session.latest_bill)
        assert reporter.poll() == []  # nothing committed on chain yet: nothing to report
        acceptor.close(job)
        net.chain.mine()
        if provider_posts:
            answers = acceptor.oracle_answers[job]
        else:
            assert job not in acceptor.oracle_answers
            if after_commit is not None:
                after_commit(reporter, session)
            assert reporter.poll() == [job]
            answers = reporter.answers[job]
        assert [a.status for a in answers] == [202, 202, 202], answers
        # The oracles fetch from the provider while it still serves: wait for the verdicts.
        wait_until(
            "every oracle to judge the session",
            lambda: all(
                m.events("verdict_signed", job) or m.events("verdict_release_left_to_finalize", job)
                for m in oracles
            ),
            timeout=120,
        )
    return Served(
        terms=terms,
        job=job,
        tokens=book.get(job).total_tokens,
        acceptor=acceptor,
        reporter=reporter,
        session=session,
    )


def test_cheating_llm_provider_is_slashed_and_the_consumer_compensated(
    oracle_net: DevNet, llm_engine: TransformersEngine, oracles: list[Member]
) -> None:
    net = oracle_net
    consumer_before = net.protocol.claimable(net.consumer.address)
    stake_before = net.provider.provider_status()
    served = _serve_session(net, llm_engine, oracles, LLMCheat.INFLATED)

    state = wait_closed(net, served.terms, timeout=60)
    assert state.status == JobStatus.SLASHED
    (slashed,) = closing_logs(net, served.terms)
    assert slashed["name"] == "JobSlashed"
    compensation = int(slashed["args"]["compensation"])
    assert compensation > 0 and int(slashed["args"]["slashed"]) > 0
    assert (
        net.protocol.claimable(net.consumer.address)
        == consumer_before + served.terms.budget + compensation
    )
    stake_after = net.provider.provider_status()
    assert stake_after.free + stake_after.locked < stake_before.free + stake_before.locked
    for member in oracles:
        (signed,) = member.events("verdict_signed", served.job)
        assert '"outcome":"fault"' in signed and "completion tokens" in signed


def test_honest_llm_provider_is_left_to_finalize_and_paid_per_token(
    oracle_net: DevNet, llm_engine: TransformersEngine, oracles: list[Member]
) -> None:
    net = oracle_net
    served = _serve_session(net, llm_engine, oracles, None)
    jid = job_id(served.terms)
    for member in oracles:
        assert member.events("verdict_release_left_to_finalize", jid)
        assert not member.events("verdict_signed", jid)
    assert net.protocol.job(served.terms).status == JobStatus.DELIVERED

    provider_before = net.protocol.claimable(net.provider.address)
    net.advance(int(net.protocol.contracts.escrow.read("disputeWindow")) + 1)
    assert served.acceptor.settle_closed() == [jid]
    (settled,) = closing_logs(net, served.terms)
    assert settled["name"] == "JobSettled" and settled["args"]["optimistic"] is True
    pay = served.tokens * PRICE
    earned = net.protocol.claimable(net.provider.address) - provider_before
    assert earned == pay - pay * 100 // 10_000 - pay * 50 // 10_000


def test_a_consumer_holding_a_later_bill_than_the_committed_one_gets_the_provider_slashed(
    oracle_net: DevNet, llm_engine: TransformersEngine, oracles: list[Member]
) -> None:
    """The provider commits its first bill, not its last (and serves the shorter chain
    to match): the consumer hands its last signed bill to the oracles, which proves it."""
    net = oracle_net

    def consumer_proves_then_provider_drops_the_last_answer(
        session: Session, bill: SignedBill
    ) -> None:
        assert bill.seq == 2
        for member in oracles:
            posted = httpx.post(f"{member.url}/llm/bills", json=bill.model_dump(mode="json"))
            assert posted.status_code == 202 and posted.json()["status"] == "accepted"
        again = httpx.post(f"{oracles[0].url}/llm/bills", json=bill.model_dump(mode="json"))
        assert again.json()["status"] == "duplicate"
        forged = bill.model_copy(update={"seq": 3})  # the signature no longer matches
        refused = httpx.post(f"{oracles[0].url}/llm/bills", json=forged.model_dump(mode="json"))
        assert refused.status_code == 422 and "proves nothing" in refused.text
        dropped = session.links.pop()
        session.exchanges.pop()
        session.total_tokens -= dropped.tokens
        session.head = chain_head(session.job_id, session.links)

    served = _serve_session(
        net, llm_engine, oracles, None, consumer_proves_then_provider_drops_the_last_answer
    )
    assert wait_closed(net, served.terms, timeout=60).status == JobStatus.SLASHED
    for member in oracles:
        (signed,) = member.events("verdict_signed", served.job)
        assert '"outcome":"fault"' in signed and "the consumer holds" in signed


def test_a_provider_that_never_posts_its_receipt_is_slashed_from_the_consumers_evidence(
    oracle_net: DevNet, llm_engine: TransformersEngine, oracles: list[Member]
) -> None:
    """``--cheat inflated`` commits twice the completion tokens on chain and posts
    nothing to the oracles. Forged evidence is refused first and changes nothing;
    then the gateway's own report gets the provider slashed."""
    net = oracle_net
    consumer_before = net.protocol.claimable(net.consumer.address)

    def forgeries_are_refused(reporter: EvidenceReporter, session: OpenedSession) -> None:
        genuine = reporter.evidence(session)
        domain = net.protocol.domain
        by_provider = sign_evidence(genuine, domain, net.provider.wallet)
        other_spec = genuine.model_copy(
            update={"spec": {**genuine.spec, "session_key_hash": "0x" + "ab" * 32}}
        )
        forged = {
            "not by the job's consumer": by_provider,
            "hashes to": sign_evidence(other_spec, domain, net.consumer.wallet),
        }
        for problem, body in forged.items():
            for member in oracles:
                refused = httpx.post(
                    f"{member.url}{EVIDENCE_PATH}", json=body.model_dump(mode="json")
                )
                assert refused.status_code == 422, refused.text
                assert problem in refused.json()["detail"]
        jid = session.credential.job_id
        for member in oracles:
            view = httpx.get(f"{member.url}/jobs/0x{jid.hex()}").json()
            assert view["submission"] is None and view["verdict"] is None
            assert not member.events("consumer_evidence_received", jid)
            assert not member.events("consumer_bill_received", jid)

    served = _serve_session(
        net,
        llm_engine,
        oracles,
        LLMCheat.INFLATED,
        provider_posts=False,
        after_commit=forgeries_are_refused,
    )
    state = wait_closed(net, served.terms, timeout=60)
    assert state.status == JobStatus.SLASHED
    (slashed,) = closing_logs(net, served.terms)
    assert slashed["name"] == "JobSlashed"
    compensation = int(slashed["args"]["compensation"])
    assert compensation > 0
    assert (
        net.protocol.claimable(net.consumer.address)
        == consumer_before + served.terms.budget + compensation
    )
    for member in oracles:
        (received,) = member.events("consumer_evidence_received", served.job)
        assert f'"consumer":"{net.consumer.address}"' in received
        (signed,) = member.events("verdict_signed", served.job)
        assert '"outcome":"fault"' in signed and "completion tokens" in signed
    # Once the job is closed, evidence is too late.
    late = sign_evidence(
        served.reporter.evidence(served.session), net.protocol.domain, net.consumer.wallet
    )
    refused = httpx.post(f"{oracles[0].url}{EVIDENCE_PATH}", json=late.model_dump(mode="json"))
    assert refused.status_code == 409 and "Slashed already" in refused.text


def test_an_honest_quiet_provider_judged_from_the_consumers_evidence_is_left_to_finalize(
    oracle_net: DevNet, llm_engine: TransformersEngine, oracles: list[Member]
) -> None:
    """The receipt rebuilt from the chain needs no provider signature: an honest
    session reported only by its consumer passes and the dispute window pays it."""
    net = oracle_net
    served = _serve_session(net, llm_engine, oracles, None, provider_posts=False)
    for member in oracles:
        assert member.events("consumer_evidence_received", served.job)
        (left,) = member.events("verdict_release_left_to_finalize", served.job)
        assert '"failures":[]' in left
        assert not member.events("verdict_signed", served.job)
    assert net.protocol.job(served.terms).status == JobStatus.DELIVERED
