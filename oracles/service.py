"""Run one oracle: the decision loop in a thread, the HTTP API in the foreground.

    OracleService(config, protocol, wallet).run()   # until SIGTERM / SIGINT

build_node() wires the parts: the watcher and chain-event handling
(oracles.chain_events), the API intake (oracles.intake), judging (oracles.judging:
the kind verifiers and the LLM session judge), the signature exchange, the
settler and the transaction manager, around the decision loop (oracles.node).

Startup takes the writer lock for the key, opens the database, checks that the key
is a committee member, resends whatever a crash left unsent, binds 127.0.0.1 and
prints an ``api_listening`` audit line with the port.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Callable

import uvicorn

from oracles.api import create_app
from oracles.audit import AuditLog
from oracles.chain_events import ChainEvents
from oracles.committee import CommitteeView
from oracles.config import OracleConfig
from oracles.container_rerun import engine_rerun
from oracles.db import Database
from oracles.errors import OracleConfigError
from oracles.intake import Intake
from oracles.job_store import JobStore
from oracles.judge import Judge
from oracles.judging import Judging
from oracles.llm_evidence import AttestedReceipts
from oracles.llm_judge import (
    ConsumerBills,
    LLMSessionJudge,
    ScorerLoader,
    default_scorer_loader,
    rate_from_config,
)
from oracles.metrics import OracleMetrics
from oracles.node import OracleNode
from oracles.peers import PeerClient
from oracles.settlement import SettlementConfig, Settler
from oracles.signature_exchange import SignatureExchange
from oracles.txmanager import TxManager, TxStore, WriterLock
from oracles.verify.registry import VerifierRegistry, default_registry
from oracles.watcher import Watcher, WatchStore
from protocol.client import Protocol
from protocol.matcher_client import MatcherClient
from protocol.oracle_endpoints import MemberEndpoints, member_endpoints
from protocol.wallet import Wallet

__all__ = ["OracleService", "build_node"]

_SECRET_KEY = "verifier_secret"


def build_node(
    *,
    protocol: Protocol,
    wallet: Wallet,
    config: OracleConfig,
    db: Database,
    audit: AuditLog,
    metrics: OracleMetrics,
    registry: VerifierRegistry | None = None,
    peers: PeerClient | None = None,
    clock: Callable[[], float] = time.time,
    llm_loader: ScorerLoader = default_scorer_loader,
) -> OracleNode:
    """One oracle's parts over one database, wired; ``start()`` and ``run()`` it."""
    domain = protocol.domain
    escrow = protocol.contracts.escrow
    events = WatchStore(db)
    jobs = JobStore(db)
    wake = threading.Event()
    start = config.start_block if config.start_block is not None else protocol.manifest.block
    watcher = Watcher(
        protocol.w3,
        escrow.address,
        escrow.abi,
        events,
        confirmations=config.confirmations,
        start_block=start,
    )
    committee = CommitteeView(protocol.contracts.committee)
    txm = TxManager(
        protocol.sender(wallet),
        TxStore(db),
        confirmations=config.tx_confirmations,
        replace_after=config.replace_after,
        fee_bump=config.fee_bump,
        max_fee_per_gas=config.max_fee_per_gas,
        audit=audit,
    )
    secret = _verifier_secret(db)
    bills = ConsumerBills(db)
    attested = AttestedReceipts(db)
    judge = Judge(
        registry
        or default_registry(
            vectors=config.matmul_vectors,
            container_rerun=engine_rerun(),
            container_rerun_share=config.container_rerun_share,
        ),
        domain=domain,
        secret=secret,
        config=config,
        llm=LLMSessionJudge(
            domain=domain,
            secret=secret,
            loader=llm_loader,
            rate=rate_from_config(config.units_per_second),
            fetch_timeout=config.fetch_timeout,
            bills=bills.get,
            attested=attested.get,
        ),
    )
    members = sorted({wallet.address, *(p.address for p in config.peers)})
    exchange = SignatureExchange(
        peers or _peer_client(protocol, config, wallet.address, audit),
        jobs,
        address=wallet.address,
        audit=audit,
        metrics=metrics,
        is_closed=events.is_closed,
    )
    settler = Settler(
        SettlementConfig.of(config, members),
        chain=protocol,
        wallet=wallet,
        committee=committee,
        jobs=jobs,
        events=events,
        txm=txm,
        exchange=exchange,
        audit=audit,
        metrics=metrics,
        clock=clock,
    )
    return OracleNode(
        address=wallet.address,
        config=config,
        watcher=watcher,
        chain_events=ChainEvents(
            events=events, jobs=jobs, exchange=exchange, audit=audit, metrics=metrics, clock=clock
        ),
        intake=Intake(
            chain=protocol,
            wallet=wallet,
            kinds=judge.kinds,
            jobs=jobs,
            events=events,
            committee=committee,
            txm=txm,
            audit=audit,
            metrics=metrics,
            wake=wake,
            bills=bills,
            attested=attested,
        ),
        judging=Judging(
            judge=judge,
            wallet=wallet,
            domain=domain,
            jobs=jobs,
            events=events,
            committee=committee,
            exchange=exchange,
            config=config,
            audit=audit,
            metrics=metrics,
            clock=clock,
        ),
        settler=settler,
        committee=committee,
        jobs=jobs,
        exchange=exchange,
        txm=txm,
        audit=audit,
        metrics=metrics,
        wake=wake,
    )


def _peer_client(protocol: Protocol, config: OracleConfig, me: str, audit: AuditLog) -> PeerClient:
    """The configured peers, plus the members' published endpoints when a matcher is set."""
    members = None
    if config.matcher_url is not None:
        matcher = MatcherClient(config.matcher_url, chain_id=protocol.chain_id)
        members = MemberEndpoints(
            lambda: member_endpoints(protocol, matcher),
            refresh_s=config.peer_refresh_s,
            on_change=lambda found: audit.record("peers_discovered", members=found),
            on_error=lambda exc: audit.record(
                "peers_refresh_failed", error=type(exc).__name__, detail=str(exc)
            ),
        )
    return PeerClient(config.peers, timeout=config.peer_timeout, members=members, me=me)


def _verifier_secret(db: Database) -> bytes:
    stored = db.get_meta(_SECRET_KEY)
    if stored is None:
        stored = secrets.token_hex(32)
        db.set_meta(_SECRET_KEY, stored)
    return bytes.fromhex(stored)


class OracleService:
    def __init__(self, config: OracleConfig, protocol: Protocol, wallet: Wallet) -> None:
        self.config = config
        self.protocol = protocol
        self.wallet = wallet

    def run(self) -> None:
        config = self.config
        audit = AuditLog(self.wallet.address, path=config.audit_log)
        lock = WriterLock(config.db_path.parent, self.wallet.address).acquire()
        db = Database(config.db_path)
        stop = threading.Event()
        try:
            metrics = OracleMetrics()
            node = build_node(
                protocol=self.protocol,
                wallet=self.wallet,
                config=config,
                db=db,
                audit=audit,
                metrics=metrics,
            )
            node.start()
            sock = _bind(config.listen_host, config.listen_port)
            loop = threading.Thread(target=node.run, args=(stop,), name="oracle-loop", daemon=True)
            loop.start()
            server = uvicorn.Server(
                uvicorn.Config(
                    create_app(node, metrics),
                    log_level="warning",
                    access_log=False,
                    lifespan="off",
                )
            )
            audit.record(
                "api_listening",
                host=config.listen_host,
                port=sock.getsockname()[1],
                db=config.db_path,
                peers=[p.url for p in node.exchange.peers.peers],
                matcher=config.matcher_url,
            )
            server.run(sockets=[sock])  # returns on SIGINT / SIGTERM
            stop.set()
            node.wake()
            loop.join(timeout=10)
            audit.record("oracle_stopped")
        finally:
            stop.set()
            db.close()
            lock.release()
            audit.close()


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OracleConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}): choose another listen_port, "
            "or 0 for a free one"
        ) from None
    sock.listen(128)
    return sock
