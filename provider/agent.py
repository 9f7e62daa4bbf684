"""The provider agent: sells this machine's compute in the matcher and runs what it sells.

Start:
  1. Connect to the chain (the manifest names the contracts) with the provider's key;
     top free stake up to ``stake_wei`` from the wallet's credits.
  2. Measure the device (``provider.device``): capacity per offer is the measured
     throughput unless the config fixes it.
  3. Serve results (``ResultServer`` on 127.0.0.1) for the oracles to fetch.
  4. Register one offer per configured resource, priced by its ``protocol.pricing``
     strategy.

Loop (every ``poll_s``): heartbeat the offers; re-read the committee members' oracle
URLs when due (``OracleDirectory``); re-price the offers when the config file's
strategies change; collect new fills; dispatch each fill the consumer has opened on
chain to a worker (``JobPipeline``: accept, execute, store, sign, hand to the oracles);
sign each new fill's acceptance first (same checks as the accept) and post it to the
matcher, so the consumer can open the job already accepted in one transaction;
drop fills never opened before their accept deadline; follow delivered jobs to payment
(``SettlementWatcher``: finalize, claim). A ``result_tamper`` (development only:
gpuc.devnet.cheat) forges results, to show slashing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from protocol.client import Protocol, TxOptions
from protocol.containers.engine import find_engine
from protocol.matcher_client import FillView, MatcherClient
from protocol.oracle_endpoints import member_endpoints
from protocol.roles import Provider
from protocol.typed_data import JobStatus, job_id
from protocol.wallet import Wallet
from provider.agent_config import AgentConfig, OfferConfig, load_agent_config
from provider.agent_log import AgentLog
from provider.device import DeviceProfile, measure_device
from provider.documents import DocumentFetcher
from provider.errors import AgentConfigError, AgentError
from provider.execution.default_kinds import default_registry
from provider.execution.executor import JobExecutor
from provider.job_pipeline import Delivered, JobPipeline, ResultTamper
from provider.market_presence import MarketPresence
from provider.oracle_directory import DEFAULT_REFRESH_S, OracleDirectory
from provider.results.live_logs import LiveLogs
from provider.results.server import ResultServer
from provider.results.store import ResultStore
from provider.self_check import run_self_check
from provider.settlements import SettlementWatcher

__all__ = ["ProviderAgent"]


class ProviderAgent:
    def __init__(
        self,
        config: AgentConfig,
        wallet: Wallet,
        *,
        config_path: Path | None = None,
        log: AgentLog | None = None,
        device: DeviceProfile | None = None,
        config_overrides: Mapping[str, Any] | None = None,
        result_tamper: ResultTamper | None = None,
        oracle_refresh_s: float = DEFAULT_REFRESH_S,
    ) -> None:
        self.config = config
        self.oracle_refresh_s = oracle_refresh_s
        # Development only (gpuc provider run --cheat): forges judged results.
        self.result_tamper = result_tamper
        # Flags and GPUC_* variables that replaced the file's values: kept on re-reads.
        self.config_overrides = dict(config_overrides or {})
        self.wallet = wallet
        self.config_path = config_path
        self.log = log or AgentLog()
        self.device = device
        self._awaiting: dict[bytes, tuple[OfferConfig, FillView]] = {}
        self._running: dict[bytes, Future[Delivered | None]] = {}
        self._next_reprice = 0.0
        self._started = False

    # ------------------------------------------------------------------ start and stop

    def start(self) -> None:
        config = self.config
        self.protocol = Protocol.connect(
            config.rpc_url,
            manifest_file=config.manifest,
            options=TxOptions(timeout=config.tx_timeout_s),
        )
        self.role = Provider(self.protocol, self.wallet)
        self._ensure_stake()
        if self.device is None:
            self.device = measure_device(
                matmul_n=config.bench_matmul_n,
                budget_seconds=config.bench_seconds,
                embeddings_count=config.bench_embeddings or None,
            )
        self.log.event(
            "device_measured",
            backend=self.device.backend,
            device=self.device.name,
            matmul_gflops=round(self.device.matmul_gflops, 2),
            embeddings_per_s=self.device.embeddings_per_second,
        )
        self.http = httpx.Client(timeout=10.0)
        config = self._discover_oracles(config)
        checked = run_self_check(config, self.http)
        for resource, why in checked.dropped.items():
            self.log.event("offer_dropped", resource=resource, why=why)
        if checked.fatal:
            self.http.close()
            raise AgentError(
                "the agent refuses to offer what it cannot serve: " + "; ".join(checked.fatal)
            )
        config = config.model_copy(update={"offers": checked.kept})
        self.config = config
        self.log.event("self_check_passed", offers=[o.resource for o in config.offers])
        self.store = ResultStore(config.data_dir / "results")
        self.server = ResultServer(
            self.store, port=config.result_port, logs=LiveLogs(config.data_dir / "work")
        )
        self.server.start()
        self.matcher = MatcherClient(
            config.matcher_url, chain_id=self.protocol.chain_id, wallet=self.wallet, http=self.http
        )
        self.fetcher = DocumentFetcher(config.document_sources, self.http)
        executor = JobExecutor(
            default_registry(), device=self.device.backend, work_root=config.data_dir / "work"
        )
        self.pipeline = JobPipeline(
            protocol=self.protocol,
            role=self.role,
            config=config,
            executor=executor,
            fetcher=self.fetcher,
            store=self.store,
            server=self.server,
            matcher=self.matcher,
            http=self.http,
            log=self.log,
            tamper=self.result_tamper,
            oracles=self.oracles,
        )
        self.settlements = SettlementWatcher(self.protocol, self.role, self.log)
        self.presence = MarketPresence(
            self.matcher, config.offers, self._capacity, self.log, heartbeat_s=config.heartbeat_s
        )
        self.workers = ThreadPoolExecutor(config.max_parallel_jobs, thread_name_prefix="job")
        self.presence.register_all()
        self._started = True
        self.log.event(
            "agent_started",
            provider=self.wallet.address,
            results=self.server.base_url,
            cheat=self.result_tamper is not None,
            offers=dict(self.presence.live),
            **_container_engine(config),
        )

    def stop(self) -> None:
        """Withdraw the offers, let running jobs finish their step, stop serving results."""
        if not self._started:
            return
        self._started = False
        try:
            self.presence.withdraw_all()
        except Exception as exc:  # the matcher may be gone already
            self.log.event("withdraw_failed", detail=str(exc))
        self.workers.shutdown(wait=False, cancel_futures=True)
        self.server.stop()
        self.http.close()
        self.log.event("agent_stopped", provider=self.wallet.address)

    def _discover_oracles(self, config: AgentConfig) -> AgentConfig:
        """Add the committee members' published URLs (the matcher's list, members checked
        on chain) to the configured ones; the directory reads them again every
        ``oracle_refresh_s`` and when an oracle fails, so a member that joins later
        gets receipts (provider.oracle_directory)."""
        matcher = MatcherClient(config.matcher_url, chain_id=self.protocol.chain_id, http=self.http)
        self.oracles = OracleDirectory(
            config.oracle_urls,
            lambda: member_endpoints(self.protocol, matcher),
            self.log,
            refresh_s=self.oracle_refresh_s,
        )
        return config.model_copy(update={"oracle_urls": tuple(self.oracles.refresh())})

    def _ensure_stake(self) -> None:
        target = self.config.stake_wei
        status = self.role.provider_status()
        if target == 0 or status.free >= target:
            self.log.event("stake_checked", free=status.free, target=target)
            return
        amount = min(target - status.free, status.credits)
        if amount > 0:
            mined = self.role.stake(amount)
            self.log.event("staked", amount=amount, gas_used=mined.gas_used)
        if self.role.provider_status().free == 0:
            raise AgentError(
                f"{self.wallet.address} has no free stake and no credits to stake: buy credits "
                "(gpuc credits buy) and stake them (gpuc provider stake)"
            )

    def _capacity(self, offer: OfferConfig) -> float:
        if offer.capacity_units_per_s is not None:
            return offer.capacity_units_per_s
        assert self.device is not None
        measured = self.device.units_per_second(offer.kind)
        return measured if measured is not None else self.config.embeddings_per_s

    # ------------------------------------------------------------------ the loop

    def run(self, stop: threading.Event) -> None:
        """Serve until ``stop`` is set. A failing step is logged and tried again."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception as exc:  # the matcher or the chain may be briefly away
                self.log.event("tick_failed", error=type(exc).__name__, detail=str(exc))
            stop.wait(self.config.poll_s)

    def tick(self) -> None:
        self.presence.heartbeat_if_due()
        self.oracles.urls()  # re-reads the members' endpoints when due
        self._reprice_if_due()
        for offer, fill in self.presence.new_fills():
            self._awaiting[job_id(fill.terms)] = (offer, fill)
            self.log.event("fill_seen", job=job_id(fill.terms), fill=fill.fill_id, units=fill.units)
            if self.config.sign_acceptances:
                self.pipeline.sign_acceptance(offer, fill)
        self._dispatch_opened()
        self._collect_finished()
        self.settlements.poll()

    def _dispatch_opened(self) -> None:
        if not self._awaiting:
            return
        now = self.protocol.now()
        for jid, (offer, fill) in list(self._awaiting.items()):
            status = self.protocol.job(jid).status
            if status in (JobStatus.OPEN, JobStatus.ACCEPTED):
                del self._awaiting[jid]
                self.log.event("job_opened_seen", job=jid, fill=fill.fill_id)
                self._running[jid] = self.workers.submit(self.pipeline.run, offer, fill)
            elif status != JobStatus.NONE or now > fill.terms.accept_deadline:
                del self._awaiting[jid]
                self.log.event(
                    "fill_dropped", job=jid, fill=fill.fill_id, status=JobStatus(status).label
                )

    def _collect_finished(self) -> None:
        for jid, future in list(self._running.items()):
            if not future.done():
                continue
            del self._running[jid]
            delivered = future.result()
            if delivered is not None:
                self.settlements.follow(delivered)

    def _reprice_if_due(self) -> None:
        if self.config_path is None or time.monotonic() < self._next_reprice:
            return
        self._next_reprice = time.monotonic() + self.config.reprice_s
        try:
            fresh = load_agent_config(self.config_path, self.config_overrides)
        except AgentConfigError as exc:
            self.log.event("reprice_skipped", detail=str(exc))
            return
        self.presence.reprice({o.resource: o.strategy for o in fresh.offers})

    @property
    def busy(self) -> int:
        """Jobs awaiting their on-chain open, running, or delivered and not yet paid."""
        return len(self._awaiting) + len(self._running) + len(self.settlements.pending)


def _container_engine(config: AgentConfig) -> dict[str, Any]:
    """Which engine container offers run on, and whether tasks get the GPU (CDI)."""
    if not any(offer.kind == "container" for offer in config.offers):
        return {}
    status = find_engine()
    if status.engine is None:
        return {"container_engine": None, "container_engine_problem": status.detail}
    engine = status.engine
    return {
        "container_engine": engine.name,
        "container_runtime": engine.runtime,
        "container_rootless": engine.rootless,
        "container_gpu": engine.gpu,
    }
