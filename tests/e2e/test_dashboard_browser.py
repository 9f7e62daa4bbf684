"""The dashboard in a real browser: Debian's headless Chromium, driven by Playwright.

A real matcher on 127.0.0.1 holds signed offers and orders (with a price history built
by moving its manual clock), and reads a real anvil chain with the contracts deployed
through ProtocolChainView, where jobs were opened and settled, slashed, refunded,
accepted or left open through the SDK. The test asserts on the rendered text, watches
a new offer and a new receipt show up while the page is open, and keeps a screenshot
in test-artifacts/dashboard.png.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_utils.crypto import keccak
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

# The matcher API tests' signing helpers and live server (tests/matcher is no package).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "matcher"))
from matcher_api_helpers import LiveServer, Wallet, send, settings_for

from matcher.book.clock import ManualClock
from matcher.book.resources import ResourceCatalog
from matcher.chain_view import ProtocolChainView
from matcher.dashboard import STATIC_DIR
from matcher.dashboard.vendor import missing_or_wrong
from matcher.routing.chain_source import ChainReputationSource
from protocol.client import Protocol
from protocol.compute.container_result import ContainerMetrics, pack_result
from protocol.roles import Consumer, Provider
from protocol.rpc import connect
from protocol.typed_data import JobTerms, Outcome, job_id
from tools.devnet import CREDIT, DevNet, local_devnet

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
RESOURCE = "llama-3-70b"
MILLI = CREDIT // 1000  # 0.001 GPUC
SPEC = {"kind": "matmul", "n": 128}
# The settled job's result: a container archive the page shows the resource use of.
ARCHIVE = pack_result(
    {"model.bin": b"\x00" * 16},
    b"epoch 0\nepoch 1 done\n",
    ContainerMetrics(wall_seconds=5.25, cpu_seconds=4.5, memory_peak_bytes=3 << 20),
    exit_code=0,
    engine="podman",
)
WAIT_MS = 10_000  # longest wait for a poll (every 2 s) to show a change


def short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


def gpuc(wei: int) -> str:
    """What the page shows for a GPUC amount with few significant digits."""
    value = Decimal(wei) / Decimal(CREDIT)
    whole, _, frac = f"{value:f}".partition(".")
    frac = frac.rstrip("0")
    assert len(frac.lstrip("0")) <= 4, "pick amounts the page shows without truncating"
    return f"{int(whole):,}" + (f".{frac}" if frac else "")


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    message = f"Debian's chromium is not at {CHROMIUM}: apt-get install -y chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser(chromium_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    bad = missing_or_wrong()
    assert not bad, f"dashboard vendor files missing ({bad}): run scripts/build_dashboard.py"
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(chromium_path),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1440, "height": 1000},
            device_scale_factor=1,
        )
        try:
            yield context
        finally:
            context.close()


@dataclass
class Jobs:
    settled: JobTerms
    slashed: JobTerms
    refunded: JobTerms
    accepted: JobTerms
    open: JobTerms
    settled_pay: int


def _open(consumer: Consumer, provider: Provider) -> JobTerms:
    terms = consumer.new_terms(
        provider=provider.address, budget=10 * CREDIT, price_per_unit=CREDIT, spec=SPEC
    )
    consumer.open_job(terms)
    return terms


def _verdict(net: DevNet, terms: JobTerms, outcome: int, units: int = 0) -> Any:
    a, b, _ = net.oracles
    verdict = a.verdict(terms, outcome=outcome, units=units)
    signatures = a.combine_verdict(verdict, [a.sign_verdict(verdict), b.sign_verdict(verdict)])
    return a.settle(terms, verdict, signatures)


def make_jobs(net: DevNet) -> Jobs:
    """One job in each state the page colours differently, through the SDK."""
    c1, c2, p1, p2 = net.consumer, net.consumer2, net.provider, net.provider2
    net.fund(c1, 50 * CREDIT)
    net.fund(c2, 12 * CREDIT)
    net.fund_and_stake(p1, 40 * CREDIT)
    net.fund_and_stake(p2, 20 * CREDIT)

    settled = _open(c1, p1)
    p1.accept(settled)
    p1.submit_receipt(settled, result_hash=keccak(ARCHIVE), units=6)
    result = _verdict(net, settled, Outcome.RELEASE, units=6)
    escrow = net.protocol.contracts.escrow
    pay = int(escrow.events(result.tx.receipt, "JobSettled")[0]["providerPay"])

    slashed = _open(c1, p2)
    p2.accept(slashed)
    p2.submit_receipt(slashed, result_hash=b"\x98" * 32, units=9)
    _verdict(net, slashed, Outcome.FAULT)

    refunded = _open(c1, p2)
    c1.cancel(refunded)

    accepted = _open(c1, p1)
    p1.accept(accepted)
    opened = _open(c2, p1)
    return Jobs(settled, slashed, refunded, accepted, opened, pay)


@dataclass
class _Documents:
    """The matcher's document store, as the dashboard reads it (in memory here)."""

    held: dict[bytes, bytes]

    def read(self, digest: bytes) -> bytes | None:
        return self.held.get(digest)


@dataclass
class Scene:
    server: LiveServer
    http: httpx.Client
    clock: ManualClock
    net: DevNet
    jobs: Jobs
    p1: Wallet
    p2: Wallet
    consumer: Wallet


def _wallet(net: DevNet, index: int) -> Wallet:
    return Wallet(int(net.chain.accounts[index].private_key.get_secret_value(), 16))


def build_book(http: httpx.Client, clock: ManualClock, p1: Wallet, p2: Wallet, c: Wallet) -> None:
    """Two offers whose cheapest price moves over four minutes, then bids and a fill."""

    def offer(wallet: Wallet, price: int, capacity: float) -> str:
        body = {
            "resource": RESOURCE,
            "strategy": {"kind": "fixed", "price_wei": price},
            "capacity_units_per_s": capacity,
        }
        r = send(http, clock.now(), wallet, "POST", "/api/market/offers", body)
        assert r.status_code == 201, r.text
        return str(r.json()["offer_id"])

    first = offer(p1, 24 * MILLI // 10, 10.0)
    second = offer(p2, 25 * MILLI // 10, 5.0)
    for micro in (2200, 2300, 2100, 1900, 2050, 2000):
        clock.advance(30)
        price = micro * (CREDIT // 1_000_000)
        patch = {"strategy": {"kind": "fixed", "price_wei": price}}
        r = send(http, clock.now(), p1, "PATCH", f"/api/market/offers/{first}", patch)
        assert r.status_code == 200, r.text
        r = send(http, clock.now(), p2, "POST", f"/api/market/offers/{second}/heartbeat")
        assert r.status_code == 200, r.text

    # P1 sells a model per 1k tokens: it reports its tokens/s, sessions and tokens served.
    metrics = {"supply_tokens_per_s": 42.5, "demand_tokens_per_s": 7.25, "open_sessions": 3,
               "tokens_served": "123456"}  # fmt: skip
    r = send(http, clock.now(), p1, "PUT", f"/api/market/offers/{first}/llm-metrics", metrics)
    assert r.status_code == 200, r.text
    r = send(http, clock.now(), p2, "PUT", f"/api/market/offers/{first}/llm-metrics", metrics)
    assert r.status_code == 403 and "belongs to" in r.text, r.text  # not P2's offer

    def order(kind: str, units: int, limit: int) -> dict[str, Any]:
        body = {
            "resource": RESOURCE,
            "kind": kind,
            "units": units,
            "max_price_wei": limit,
            "spec": "0x" + "ab" * 32,
        }
        r = send(http, clock.now(), c, "POST", "/api/market/orders", body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    assert order("limit", 900, 15 * MILLI // 10)["status"] == "resting"
    assert order("market", 600, 3 * MILLI)["filled_units"] == 600


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    with local_devnet(tmp_path / "deployments") as net:
        jobs = make_jobs(net)
        # The matcher's own connection, as `gpuc up` would make it.
        protocol = Protocol(connect(net.chain.rpc_url, expect_chain_id=31337), net.manifest)
        view = ProtocolChainView(protocol, refresh_s=0.5)
        clock = ManualClock(start=float(int(time.time())))
        settings = settings_for(f"sqlite:///{tmp_path / 'matcher.db'}", static_dir=STATIC_DIR)
        with (
            LiveServer(
                settings,
                clock,
                chain_view=view,
                reputation_source=ChainReputationSource(protocol),
                documents=_Documents({keccak(ARCHIVE): ARCHIVE}),
            ) as server,
            httpx.Client(base_url=server.url, timeout=10) as http,
        ):
            p1, p2, consumer = _wallet(net, 2), _wallet(net, 4), _wallet(net, 1)
            build_book(http, clock, p1, p2, consumer)
            yield Scene(server, http, clock, net, jobs, p1, p2, consumer)


class PageWatch:
    """Every request the page makes and every error it logs."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )


def job_row(page: Page, terms: JobTerms) -> Any:
    return page.locator(f'#jobs tr[data-job="0x{job_id(terms).hex()}"]')


def test_dashboard_renders_market_chain_and_live_updates(
    scene: Scene, browser: BrowserContext
) -> None:
    started = time.monotonic()
    net, jobs = scene.net, scene.jobs
    page = browser.new_page()
    watch = PageWatch(page)
    page.goto(f"{scene.server.url}/dashboard/")
    expect(page.locator("#feed-status")).to_contain_text("Live", timeout=WAIT_MS)

    # Markets: the busiest resource is selected; its best price is the cheaper offer.
    card = page.locator(f'#markets [data-resource="{RESOURCE}"]')
    expect(card).to_have_attribute("aria-pressed", "true")
    expect(card.locator(".market-price")).to_have_text(f"{gpuc(2 * MILLI)} GPUC")
    # One card per catalog resource (the container resources made it 8, not 6).
    expect(page.locator("#markets .market")).to_have_count(len(ResourceCatalog().ids()))

    # Language models: the price per 1k tokens now; supply is P1's measured 42.5 tokens/s
    # plus P2's registered capacity (5 units of 1k tokens per second: it reported nothing).
    model = page.locator(f'#llm tr.llm-model[data-resource="{RESOURCE}"]')
    expect(model.locator(".llm-price")).to_have_text(f"{gpuc(2 * MILLI)} GPUC")
    expect(model.locator(".llm-supply")).to_have_text("5,042.5 tok/s")
    expect(model.locator(".llm-demand")).to_have_text("7.3 tok/s")
    expect(model.locator(".llm-sessions")).to_have_text("3")
    expect(model.locator(".llm-served")).to_have_text("123,456")
    p1_llm = page.locator(f'#llm tr.llm-provider[data-provider="{scene.p1.address}"]')
    expect(p1_llm.locator(".llm-served")).to_have_text("123,456")
    p2_llm = page.locator(f'#llm tr.llm-provider[data-provider="{scene.p2.address}"]')
    expect(p2_llm.locator(".llm-served")).to_have_text("0")

    # Depth: two offer levels cheapest first, the resting bid, the fill taken off P1.
    asks = page.locator("#asks tbody tr")
    expect(asks).to_have_count(2)
    expect(asks.nth(0)).to_contain_text("0.002 GPUC")
    expect(asks.nth(0)).to_contain_text("10/s")
    expect(asks.nth(0)).to_contain_text(f"{36_000 - 600:,}")
    expect(asks.nth(1)).to_contain_text("0.0025 GPUC")
    expect(asks.nth(1)).to_contain_text(f"{18_000:,}")
    bids = page.locator("#bids tbody tr")
    expect(bids).to_have_count(1)
    expect(bids.nth(0)).to_contain_text("0.0015 GPUC")
    expect(bids.nth(0)).to_contain_text("900")

    # The price history: uPlot drew a canvas from the samples the clock moves made.
    expect(page.locator("#chart canvas").first).to_be_visible()
    expect(page.locator("#chart .chart-empty")).to_have_count(0)

    # Providers with their stake read from the chain.
    stake = {a: net.protocol.provider_status(a) for a in (scene.p1.address, scene.p2.address)}
    p1_row = page.locator("#providers tbody tr", has_text=short(scene.p1.address))
    expect(p1_row).to_have_count(1)
    for text in (RESOURCE, "0.002 GPUC", "10 /s", "1.7%"):
        expect(p1_row).to_contain_text(text)
    p1_stake = stake[scene.p1.address]
    # The settled job's collateral stays locked until its payout.
    assert (p1_stake.free, p1_stake.locked) == (30 * CREDIT, 10 * CREDIT)
    expect(p1_row.locator("td").nth(6)).to_have_text(gpuc(p1_stake.free))
    expect(p1_row.locator("td").nth(7)).to_have_text(gpuc(p1_stake.locked))
    p2_row = page.locator("#providers tbody tr", has_text=short(scene.p2.address))
    expect(p2_row.locator("td").nth(6)).to_have_text(gpuc(stake[scene.p2.address].free))

    # Reputation from the chain (docs/reputation.md): p1 settled a job, p2 was slashed for
    # fraud; both are new (few jobs). Sortable: best first, then worst first.
    expect(p1_row.locator("td").nth(5)).to_have_text(re.compile(r"^0\.[6-9]\d new$"))
    expect(p2_row.locator("td").nth(5)).to_have_text(re.compile(r"^0\.[0-4]\d new$"))
    header = page.locator("#sort-reputation")
    first_provider = page.locator("#providers tbody tr").first
    header.click()
    expect(header).to_have_attribute("data-order", "desc")
    expect(first_provider).to_contain_text(short(scene.p1.address))
    header.click()
    expect(header).to_have_attribute("data-order", "asc")
    expect(first_provider).to_contain_text(short(scene.p2.address))
    header.click()

    # Jobs: every state, and what settlement moved.
    expect(page.locator("#jobs tbody tr")).to_have_count(5)
    for terms, status in (
        (jobs.settled, "Settled"),
        (jobs.slashed, "Slashed"),
        (jobs.refunded, "Refunded"),
        (jobs.accepted, "Accepted"),
        (jobs.open, "Open"),
    ):
        expect(job_row(page, terms).locator(".badge")).to_have_text(status)
    settled = job_row(page, jobs.settled).locator("td")
    expect(settled.nth(4)).to_have_text("10")  # budget
    expect(settled.nth(5)).to_have_text(gpuc(jobs.settled_pay))  # 6 units less fee and burn
    expect(settled.nth(6)).to_have_text("4")  # unused budget back
    for owed in (settled.nth(5), settled.nth(6)):  # owed, not credited before payOut
        expect(owed).to_have_class(re.compile(r"\bmuted\b"))
        expect(owed).to_have_attribute("title", re.compile("not paid out yet"))
    slashed = job_row(page, jobs.slashed).locator("td")
    # budget plus compensation from the collateral, capped at 25 % of the budget (escrow v2)
    expect(slashed.nth(6)).to_have_text("12.5")
    expect(slashed.nth(7)).to_have_text("5")
    expect(job_row(page, jobs.refunded).locator("td").nth(6)).to_have_text("10")

    # A delivered container job's resource use, from its result archive.
    job_row(page, jobs.settled).get_by_role("button", name="usage").click()
    usage = page.locator("#usage-panel")
    expect(usage).to_be_visible()
    expect(usage).to_contain_text("Wall time5.25 s", timeout=WAIT_MS)
    expect(usage).to_contain_text("CPU time4.5 s")
    expect(usage).to_contain_text("Memory peak3 MiB")
    expect(usage).to_contain_text("Exit code0")
    expect(usage).to_contain_text("model.bin")
    expect(usage.locator(".log-tail")).to_have_text("epoch 0\nepoch 1 done\n")
    expect(job_row(page, jobs.refunded).locator("button")).to_have_count(0)  # no result

    # Wallets: balances and claimable credit as the chain has them.
    consumer = net.protocol.balances(scene.consumer.address)
    row = page.locator(f'#wallets tr[data-wallet="{scene.consumer.address}"] td')
    expect(row.nth(1)).to_have_text(gpuc(consumer.credits))
    expect(row.nth(2)).to_have_text(gpuc(consumer.claimable))
    expect(page.locator("#chain-status")).to_contain_text("Chain 31337")

    # Live: a new, cheaper offer and a delivered receipt appear without a reload.
    p3 = _wallet(net, 5)
    body = {
        "resource": RESOURCE,
        "strategy": {"kind": "fixed", "price_wei": 17 * MILLI // 10},
        "capacity_units_per_s": 4.0,
    }
    assert send(scene.http, scene.clock.now(), p3, "POST", "/api/market/offers", body).is_success
    net.provider.submit_receipt(jobs.accepted, result_hash=b"\x97" * 32, units=3)
    net.consumer.pay_out([jobs.settled])
    posted = time.monotonic()
    p3_row = page.locator("#providers tbody tr", has_text=short(p3.address))
    expect(p3_row).to_contain_text("0.0017 GPUC", timeout=WAIT_MS)
    expect(card.locator(".market-price")).to_have_text("0.0017 GPUC", timeout=WAIT_MS)
    expect(asks.nth(0)).to_contain_text("0.0017 GPUC", timeout=WAIT_MS)
    expect(job_row(page, jobs.accepted).locator(".badge")).to_have_text(
        "Delivered", timeout=WAIT_MS
    )
    # The payout credited the settled job: its amounts are no longer shown as owed.
    expect(settled.nth(5)).not_to_have_class(re.compile(r"\bmuted\b"), timeout=WAIT_MS)
    expect(settled.nth(5)).to_have_text(gpuc(jobs.settled_pay))
    expect(p1_row.locator("td").nth(6)).to_have_text(gpuc(35 * CREDIT), timeout=WAIT_MS)
    seen_after = time.monotonic() - posted

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "dashboard.png"
    # Let the highlight of the rows that just changed fade before the picture.
    expect(page.locator("tr.fresh")).to_have_count(0, timeout=WAIT_MS)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000

    foreign = [u for u in watch.urls if not u.startswith((scene.server.url, "data:"))]
    assert foreign == [], f"the page fetched from elsewhere: {foreign}"
    assert watch.errors == []
    page.close()
    total = time.monotonic() - started
    print(f"live update seen {seen_after:.1f} s after posting; page checks {total:.1f} s")


def test_dashboard_without_chain_says_so(browser: BrowserContext, tmp_path: Path) -> None:
    settings = settings_for(f"sqlite:///{tmp_path / 'matcher.db'}", static_dir=STATIC_DIR)
    with LiveServer(settings, ManualClock(start=float(int(time.time())))) as server:
        page = browser.new_page()
        watch = PageWatch(page)
        page.goto(f"{server.url}/dashboard/")
        expect(page.locator("#chain-status")).to_have_text("No chain connected", timeout=WAIT_MS)
        expect(page.locator("#jobs tbody")).to_contain_text("No chain connected")
        expect(page.locator("#wallets tbody")).to_contain_text("No chain connected")
        expect(page.locator("#providers tbody")).to_contain_text("No standing offers")
        expect(page.locator("#asks tbody")).to_contain_text("Nothing on offer")
        expect(page.locator("#chart")).to_contain_text("No prices")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-no-chain.png"), full_page=True)
        assert watch.errors == []
        page.close()


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown"
    return dict(box)


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("width", [1400, 390])
def test_order_book_sides_never_overlap(scene: Scene, browser: BrowserContext, width: int) -> None:
    page = browser.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{scene.server.url}/dashboard/")
    expect(page.locator("#feed-status")).to_contain_text("Live", timeout=WAIT_MS)
    expect(page.locator("#asks tbody tr").first).to_be_visible(timeout=WAIT_MS)
    for a, b in (
        ("#depth-panel .side-ask", "#depth-panel .side-bid"),
        ("#asks", "#bids"),
        ("#depth-panel .side-ask", "#bids"),
        ("#asks", "#depth-panel .side-bid"),
    ):
        assert not _overlap(_box(page, a), _box(page, b)), f"{a} overlaps {b} at {width} px"
    # Read-only, and says how to act; resources with offers come first.
    expect(page.locator(".subtitle")).to_contain_text("read-only")
    prices = page.locator("#markets .market .market-price").all_inner_texts()
    served = [p != "no offers" for p in prices]
    assert served == sorted(served, reverse=True), prices
    page.close()
