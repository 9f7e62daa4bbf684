"""The whole marketplace on 127.0.0.1, started and stopped as one thing.

    with LocalMarket(MarketPlan()) as market:
        market.submitter.submit("matmul", spec, max_price_wei=...)

Start: anvil (LocalChain) -> contracts (DeployConfig from the plan) -> credits for the
consumer and the providers -> three `gpuc oracle run` processes (2-of-3 committee) ->
`gpuc matcher run` (API, dashboard with the chain view, document store) -> one
`gpuc provider run` per planned provider (each stakes, measures, registers its offers)
-> the dev consumer's JobOpener in a thread. Stop: the same in reverse, every child by
its PID; the working folder is removed unless the caller gave its own.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from gpuc.devnet.local_chain import LocalChain
from gpuc.devnet.local_cluster import LocalOracleCluster
from gpuc.market.child_process import ChildProcess, MarketStartError
from gpuc.market.consumer_jobs import JobSubmitter
from gpuc.market.job_opener import JobOpener
from gpuc.market.plan import (
    CONTAINER_RESOURCE,
    EMBEDDINGS_RESOURCE,
    MATMUL_RESOURCE,
    LLMProviderPlan,
    MarketPlan,
    ProviderPlan,
)
from gpuc.market.ports import listen_port
from matcher.auth.api_key import make_api_key
from oracles.errors import OracleError
from protocol.amounts import format_units
from protocol.client import Protocol, TxOptions
from protocol.deploy import deploy_and_write
from protocol.deploy_config import DeployConfig
from protocol.documents import DOCUMENTS_PATH
from protocol.manifest import Manifest
from protocol.matcher_client import MatcherClient
from protocol.pricing import PricingStrategy
from protocol.roles import Consumer
from protocol.tx.sender import TxSender
from protocol.wallet import Wallet
from protocol.wire.health import HEALTH_PATH
from provider.agent_config import AgentConfig, OfferConfig
from provider.agent_log import read_agent_log

__all__ = ["LocalMarket", "MarketSummary", "RunningProvider", "consumer_account"]


class MarketSummary(BaseModel):
    """What another process needs to use a running market (written to market.json).
    ``dev_keys`` are anvil's public test keys: never fund them anywhere else."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rpc_url: str
    chain_id: int
    manifest: Path
    matcher_url: str
    oracle_urls: tuple[str, ...]
    dev_keys: tuple[str, ...]
    plan: MarketPlan
    llm_urls: tuple[str, ...] = ()


def consumer_account(summary_path: Path) -> int:
    """The dev consumer a running market (its market.json) advertised."""
    return MarketSummary.model_validate_json(summary_path.read_text()).plan.consumer_account


class RunningProvider:
    def __init__(self, plan: ProviderPlan, wallet: Wallet, config_path: Path, child: ChildProcess):
        self.plan = plan
        self.wallet = wallet
        self.config_path = config_path
        self.child = child

    @property
    def address(self) -> str:
        return self.wallet.address

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        found = read_agent_log(self.child.log_text())
        return found if name is None else [e for e in found if e["event"] == name]


class LocalMarket:
    def __init__(self, plan: MarketPlan | None = None, home: Path | None = None) -> None:
        self.plan = plan or MarketPlan()
        self._own_home = home is None
        self.home = Path(tempfile.mkdtemp(prefix="gpuc-market-")) if home is None else home
        self.chain: LocalChain | None = None
        self.oracles: LocalOracleCluster | None = None
        self.matcher_process: ChildProcess | None = None
        self.providers: dict[str, RunningProvider] = {}
        self.llm_providers: dict[str, tuple[str, ChildProcess]] = {}
        self._attached_llm_urls: tuple[str, ...] = ()
        self.opener: JobOpener | None = None
        self._opener_stop = threading.Event()
        self._opener_thread: threading.Thread | None = None
        self.opener_events: list[tuple[float, str, dict[str, object]]] = []

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> LocalMarket:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        plan = self.plan
        extra = (
            ()
            if plan.block_time_s is None
            else ("--block-time", str(plan.block_time_s), "--mixed-mining")
        )
        self.chain = LocalChain(accounts=plan.accounts, extra_args=extra).start()
        self.rpc_url = self.chain.rpc_url
        self.keys = [a.private_key.get_secret_value() for a in self.chain.accounts]
        self.wallets = [Wallet.from_private_key(k) for k in self.keys]
        self._deploy()
        self.protocol = Protocol(self.chain.w3, self.manifest, TxOptions(timeout=60.0))
        self._use_consumer(plan.consumer_account)
        self.consumer.buy_exact_credits(plan.consumer_credits)
        for provider in plan.providers:
            self._fund_provider(provider)
        self._start_oracles()
        self._start_matcher()
        self._publish_oracle_endpoints()
        for llm in plan.llm_providers:
            self._start_llm_provider(llm)
        for provider in plan.providers:
            self.start_provider(provider, wait=False)
        for running in self.providers.values():
            self._wait_provider(running)
        for url, child in self.llm_providers.values():
            self._wait_llm_provider(url, child)
        self._start_consumer_side(plan.open_consumer_jobs)
        self.summary_path.write_text(self.summary().model_dump_json(indent=2))

    @classmethod
    def attach(cls, summary_path: Path, *, consumer_account: int) -> LocalMarket:
        """A handle on a market another process runs (``gpuc up`` writes ``summary_path``):
        a consumer of our own (``consumer_account``, funded here) with its own job opener,
        and providers started from here. stop() stops only what this handle started."""
        summary = MarketSummary.model_validate_json(summary_path.read_text())
        market = cls(summary.plan.model_copy(update={"consumer_account": consumer_account}))
        market.rpc_url = summary.rpc_url
        market.keys = list(summary.dev_keys)
        market.wallets = [Wallet.from_private_key(k) for k in market.keys]
        market.manifest_path = summary.manifest
        market.protocol = Protocol.connect(
            summary.rpc_url, manifest_file=summary.manifest, options=TxOptions(timeout=60.0)
        )
        market.manifest = market.protocol.manifest
        market.matcher_url = summary.matcher_url
        market.documents_url = summary.matcher_url + DOCUMENTS_PATH
        market.oracle_urls = list(summary.oracle_urls)
        market._attached_llm_urls = summary.llm_urls
        market._use_consumer(consumer_account)
        if market.protocol.credit_balance(market.consumer.address) < market.plan.consumer_credits:
            market.consumer.buy_exact_credits(market.plan.consumer_credits)
        market._start_consumer_side(True)
        return market

    def _use_consumer(self, account: int) -> None:
        self.consumer_wallet = self.wallets[account]
        self.consumer = Consumer(self.protocol, self.consumer_wallet)

    def _start_consumer_side(self, open_jobs: bool) -> None:
        self.matcher = MatcherClient(
            self.matcher_url, chain_id=self.protocol.chain_id, wallet=self.consumer_wallet
        )
        self.opener = JobOpener(
            self.consumer,
            self.matcher,
            scan_offers=self.plan.opener_scans_offers,
            failover=self.plan.failover,
            on_event=self._opener_event,
        )
        self.submitter = JobSubmitter(self.matcher, self.documents_url, opener=self.opener)
        if open_jobs:
            self._opener_thread = threading.Thread(
                target=self.opener.run,
                args=(self._opener_stop, self.plan.opener_poll_s),
                name="job-opener",
                daemon=True,
            )
            self._opener_thread.start()

    def stop_opener(self) -> None:
        """The consumer's job opener opens nothing more (stop() does this first)."""
        self._opener_stop.set()
        if self._opener_thread is not None:
            self._opener_thread.join(timeout=20)
            self._opener_thread = None

    def stop(self) -> None:
        """Stop everything this market started, by PID, and remove its folder (if ours)."""
        self.stop_opener()
        for running in self.providers.values():
            running.child.stop()
        for _, llm_child in self.llm_providers.values():
            llm_child.stop()
        if self.matcher_process is not None:
            self.matcher_process.stop()
        if self.oracles is not None:
            self.oracles.stop_all()
        if self.chain is not None:
            self.chain.stop()
        if self._own_home:
            shutil.rmtree(self.home, ignore_errors=True)

    @property
    def llm_urls(self) -> tuple[str, ...]:
        """URLs of the LLM providers this market runs (or the attached one ran)."""
        return self._attached_llm_urls + tuple(url for url, _ in self.llm_providers.values())

    @property
    def summary_path(self) -> Path:
        return self.home / "market.json"

    def summary(self) -> MarketSummary:
        return MarketSummary(
            rpc_url=self.rpc_url,
            chain_id=self.protocol.chain_id,
            manifest=self.manifest_path,
            matcher_url=self.matcher_url,
            oracle_urls=tuple(self.oracle_urls),
            dev_keys=tuple(self.keys),
            plan=self.plan,
            llm_urls=self.llm_urls,
        )

    def child_pids(self) -> list[int]:
        """PIDs of every process this market runs now."""
        pids = [r.child.pid for r in self.providers.values() if r.child.running]
        pids += [child.pid for _, child in self.llm_providers.values() if child.running]
        if self.matcher_process is not None and self.matcher_process.running:
            pids.append(self.matcher_process.pid)
        if self.oracles is not None:
            pids += [o.process.pid for o in self.oracles.oracles if o.process and o.running]
        if self.chain is not None and self.chain.running:
            pids.append(self.chain.pid)
        return [p for p in pids if p is not None]

    # ------------------------------------------------------------------ parts

    def _deploy(self) -> None:
        plan = self.plan
        assert self.chain is not None
        members = tuple(w.address for w in self.wallets[-plan.committee :])
        config = DeployConfig(
            dispute_window=plan.dispute_window_s,
            max_job_duration=plan.max_job_duration_s,
            unbonding_delay=plan.max_job_duration_s + 2 * plan.dispute_window_s + 3600,
            committee_members=members,
            committee_threshold=plan.threshold,
        )
        manifest, path = deploy_and_write(
            TxSender(self.chain.w3, self.wallets[0]), config, self.home / "deployments"
        )
        self.manifest: Manifest = manifest
        self.manifest_path = path

    def _fund_provider(self, provider: ProviderPlan) -> None:
        self._fund_account(provider.account)

    def _start_oracles(self) -> None:
        """The committee, healthy, before anything that needs its URLs starts. A member
        whose port was taken meanwhile fails to bind: the committee starts again."""
        keys = self.keys[-self.plan.committee :]
        for attempt in range(3):
            cluster = LocalOracleCluster(
                self.rpc_url,
                self.manifest_path,
                keys,
                self.home / "oracles" / f"try-{attempt}",
                settings={
                    "poll_interval": self.plan.oracle_poll_s,
                    "confirmations": self.plan.oracle_confirmations,
                    "container_rerun_share": self.plan.oracle_container_rerun_share,
                    "peer_timeout": 1.0,
                    "fallback_after": 5.0,
                },
            )
            for oracle in cluster.oracles:  # ports no outgoing connection can take
                oracle.port = listen_port()
            for oracle in cluster.oracles:
                cluster._write(oracle)
            self.oracles = cluster
            cluster.start_all()
            try:
                cluster.wait_healthy(timeout=self.plan.startup_timeout_s)
            except OracleError as exc:
                cluster.stop_all()
                if "already in use" not in str(exc) or attempt == 2:
                    raise
                continue
            self.oracle_urls = cluster.urls
            return

    def _start_matcher(self) -> None:
        port = listen_port()
        self.matcher_url = f"http://127.0.0.1:{port}"
        self.documents_url = self.matcher_url + DOCUMENTS_PATH
        home = self.home / "matcher"
        home.mkdir(parents=True, exist_ok=True)
        plan = self.plan
        child = ChildProcess(
            "matcher",
            [
                sys.executable, "-m", "gpuc.cli", "matcher", "run",
                "--port", str(port),
                "--database-url", f"sqlite:///{home / 'matcher.db'}",
                "--documents-dir", str(home / "documents"),
                "--rpc", self.rpc_url,
                "--manifest", str(self.manifest_path),
                "--accept-window", str(plan.accept_window_s),
                "--deadline-grace", str(plan.deadline_grace_s),
                "--heartbeat-ttl", str(plan.heartbeat_ttl_s),
            ],
            home / "matcher.log",
            cwd=home,
        )  # fmt: skip
        self.matcher_process = child.start()

        def ready() -> bool:
            try:
                return httpx.get(f"{self.matcher_url}/api/market/resources", timeout=1).is_success
            except httpx.HTTPError:
                return False

        child.wait_until("serving", ready, plan.startup_timeout_s)

    def _publish_oracle_endpoints(self) -> None:
        """Each member's wallet publishes its oracle's URL in the matcher's list (what
        `gpuc oracle join` does), the one place providers and `gpuc oracle info` read."""
        members = self.wallets[-self.plan.committee :]
        for wallet, url in zip(members, self.oracle_urls, strict=True):
            with MatcherClient(
                self.matcher_url, chain_id=self.protocol.chain_id, wallet=wallet
            ) as m:
                m.publish_oracle_endpoint(url)

    def _start_llm_provider(self, llm: LLMProviderPlan) -> None:
        """``gpuc llm serve`` for one planned LLM provider (funded and staking itself)."""
        self._fund_account(llm.account)
        port = listen_port()
        home = self.home / "llm" / llm.name
        home.mkdir(parents=True, exist_ok=True)
        args = [
            sys.executable, "-m", "gpuc.cli", "llm", "serve",
            "--port", str(port),
            "--price", llm.price_per_1k_tokens,
            "--close-idle", str(llm.close_idle_s),
            "--stake", format_units(self.plan.provider_stake),
            "--rpc", self.rpc_url,
            "--manifest", str(self.manifest_path),
            "--matcher", self.matcher_url,
        ]  # fmt: skip
        if llm.sell_batches:
            args += ["--sell-batches", "--matcher", self.matcher_url,
                     "--heartbeat", str(self.plan.agent_heartbeat_s)]  # fmt: skip
        if llm.cheat is not None:
            args += ["--cheat", llm.cheat]
        for oracle in self.oracle_urls:  # the oracles judge each closed session
            args += ["--oracle", oracle]
        child = ChildProcess(
            f"llm provider {llm.name}",
            args,
            home / "llm.log",
            env={"GPUC_PRIVATE_KEY": self.keys[llm.account]},
            cwd=home,
        ).start()
        self.llm_providers[llm.name] = (f"http://127.0.0.1:{port}", child)

    def _wait_llm_provider(self, url: str, child: ChildProcess) -> None:
        def ready() -> bool:
            try:
                return httpx.get(f"{url}{HEALTH_PATH}", timeout=1).is_success
            except httpx.HTTPError:
                return False

        # The first start ever dequantizes the model (minutes); later ones read the cache.
        child.wait_until("serving its model", ready, self.plan.llm_startup_timeout_s)

    def _fund_account(self, account: int) -> None:
        Consumer(self.protocol, self.wallets[account]).buy_exact_credits(self.plan.provider_credits)

    def provider_config(self, provider: ProviderPlan) -> AgentConfig:
        plan = self.plan
        offers = [
            OfferConfig(resource=MATMUL_RESOURCE, kind="matmul", strategy=provider.matmul),
            OfferConfig(
                resource=EMBEDDINGS_RESOURCE, kind="embeddings", strategy=provider.embeddings
            ),
        ]
        if provider.container is not None:
            offers.append(
                OfferConfig(
                    resource=CONTAINER_RESOURCE, kind="container", strategy=provider.container
                )
            )
        return AgentConfig(
            rpc_url=self.rpc_url,
            manifest=self.manifest_path,
            matcher_url=self.matcher_url,
            oracle_urls=tuple(self.oracle_urls),
            document_sources=(self.documents_url,),
            data_dir=self.home / "providers" / provider.name / "data",
            offers=tuple(offers),
            stake_wei=plan.provider_stake,
            cheat=provider.cheat,
            sign_acceptances=provider.sign_acceptances,
            heartbeat_s=plan.agent_heartbeat_s,
            poll_s=plan.agent_poll_s,
            reprice_s=plan.agent_reprice_s,
            max_parallel_jobs=plan.agent_parallel_jobs,
            bench_matmul_n=plan.bench_matmul_n,
            bench_seconds=plan.bench_seconds,
            embeddings_per_s=plan.embeddings_per_s,
        )

    def start_provider(self, provider: ProviderPlan, *, wait: bool = True) -> RunningProvider:
        """Start a provider agent (funding its account first when it is not a planned one)."""
        if provider.name in self.providers and self.providers[provider.name].child.running:
            raise MarketStartError(f"provider {provider.name} is running already")
        if provider not in self.plan.providers:
            self._fund_provider(provider)
        home = self.home / "providers" / provider.name
        home.mkdir(parents=True, exist_ok=True)
        config_path = home / "agent.json"
        config_path.write_text(self.provider_config(provider).model_dump_json(indent=2))
        wallet = self.wallets[provider.account]
        key = self.keys[provider.account]
        child = ChildProcess(
            f"provider {provider.name}",
            [sys.executable, "-m", "gpuc.cli", "provider", "run", str(config_path)],
            home / "agent.log",
            # The agent honours GPUC_* like every gpuc command: pin them to this market
            # so variables exported in the shell that runs `gpuc up` cannot leak in.
            env={
                "GPUC_PRIVATE_KEY": key,
                "GPUC_RPC_URL": self.rpc_url,
                "GPUC_MANIFEST": str(self.manifest_path),
                "GPUC_MATCHER_URL": self.matcher_url,
            },
            cwd=home,
        ).start()
        running = RunningProvider(provider, wallet, config_path, child)
        self.providers[provider.name] = running
        if wait:
            self._wait_provider(running)
        return running

    def _wait_provider(self, running: RunningProvider) -> None:
        running.child.wait_until(
            "serving its offers",
            lambda: bool(running.events("agent_started")),
            self.plan.startup_timeout_s,
        )

    def stop_provider(self, name: str, *, kill: bool = False) -> None:
        """Stop one provider agent by its PID (SIGTERM: it withdraws its offers first)."""
        running = self.providers.get(name)
        if running is not None:
            running.child.stop(kill=kill)

    def set_price(self, name: str, resource: str, strategy: PricingStrategy) -> None:
        """Re-price a provider's offer the way an operator does: edit its config file."""
        running = self.providers[name]
        # What the file holds, not the environment: validate it as it is.
        config = AgentConfig.model_validate_json(running.config_path.read_text())
        offers = tuple(
            o.model_copy(update={"strategy": strategy}) if o.resource == resource else o
            for o in config.offers
        )
        temp = running.config_path.with_suffix(".tmp")
        temp.write_text(config.model_copy(update={"offers": offers}).model_dump_json(indent=2))
        temp.replace(running.config_path)

    def api_key(self, lifetime_s: int = 30 * 86_400) -> str:
        """A matcher API key for the dev consumer (for the official `openai` client)."""
        key = self.keys[self.plan.consumer_account]
        return make_api_key(
            key, chain_id=self.protocol.chain_id, expiry=int(time.time()) + lifetime_s
        )

    def _opener_event(self, name: str, fields: dict[str, object]) -> None:
        self.opener_events.append((time.time(), name, fields))
