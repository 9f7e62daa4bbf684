"""Marketplace benchmarks; prints figures (not a test).

1. Job initiation latency through the whole loop, one job at a time on an idle market:
   order placed -> job opened on chain (the consumer's JobOpener) -> job accepted on
   chain -> provider started (the agent's `job_started` event); p50/p95. By default the
   agents sign each fill's acceptance and the job opens accepted in one transaction;
   --two-tx turns that off (open at once, then the provider's accept: the flow before).
2. Small matmul jobs through the whole loop (order, open, accept, run in a job process,
   receipt, 2-of-3 verdict, settle, claim) with a bounded number in flight, until --jobs
   are done or --seconds run out: jobs/s, and gas per job (every mined transaction).
3. A simulated market of --providers providers against the matcher alone (its own
   process, SQLite): registration, heartbeats at the real schedule (every
   --heartbeat-every s) and flat out, market buys while the heartbeats run (match
   latency over HTTP, commit included), and the matcher's RSS.

    .venv/bin/python scripts/bench/marketplace.py                 # all three
    .venv/bin/python scripts/bench/marketplace.py --skip-loop     # only the 1,000-provider part
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from gpuc.devnet.local_cluster import free_port  # noqa: E402
from gpuc.market.local_market import LocalMarket  # noqa: E402
from gpuc.market.plan import (  # noqa: E402
    MATMUL_RESOURCE,
    MILLI,
    MarketPlan,
    default_providers,
)
from protocol.matcher_client import MatcherClient, MatcherRefused  # noqa: E402
from protocol.pricing import FixedPricing  # noqa: E402
from protocol.rpc import rpc_request  # noqa: E402
from protocol.typed_data import JobStatus  # noqa: E402
from protocol.wallet import Wallet  # noqa: E402

CLOSED = (JobStatus.SETTLED, JobStatus.SLASHED, JobStatus.REFUNDED)
SPEC = "0x" + "11" * 32


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * len(s)))]


def summary_ms(samples: list[float]) -> str:
    if not samples:
        return "(no samples)"
    return (
        f"p50 {pct(samples, 0.5) * 1e3:.0f} ms  p95 {pct(samples, 0.95) * 1e3:.0f} ms  "
        f"max {max(samples) * 1e3:.0f} ms  (n={len(samples)})"
    )


def matmul_spec(seed: int) -> dict[str, object]:
    return {"kind": "matmul", "n": 32, "seed_a": seed, "seed_b": seed + 1, "dtype": "float32"}


# ---------------------------------------------------------------------- the whole loop


def started_at(market: LocalMarket, jid: bytes) -> float | None:
    ref = "0x" + jid.hex()
    for running in market.providers.values():
        for event in running.events("job_started"):
            if event.get("job") == ref:
                return float(event["t"])
    return None


def wait_for(check, timeout: float):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    return None


def initiation_latency(market: LocalMarket, samples: int) -> dict[str, object]:
    assert market.opener is not None
    to_open: list[float] = []
    to_accept: list[float] = []
    to_start: list[float] = []
    for i in range(samples):
        placed = time.time()
        order = market.submitter.submit(
            MATMUL_RESOURCE, matmul_spec(10_000 + i), max_price_wei=100 * MILLI
        )
        fill_id = order.fills[0].fill_id
        opened = wait_for(lambda f=fill_id: market.opener.opened.get(f), 30)  # type: ignore[union-attr]
        if opened is None:
            print(f"  job {i}: never opened", flush=True)
            continue
        to_open.append(opened.opened_at - placed)
        accepted = wait_for(
            lambda j=opened.job_id: market.protocol.job(j).status != JobStatus.OPEN and time.time(),
            30,
        )
        if accepted:
            to_accept.append(accepted - placed)
        start = wait_for(lambda j=opened.job_id: started_at(market, j), 30)
        if start is not None:
            to_start.append(start - placed)
        wait_for(lambda t=opened.fill.terms: market.protocol.job(t).status in CLOSED, 60)
    print("1. job initiation latency (idle market, one job at a time)")
    print(f"   order placed -> job opened on chain:   {summary_ms(to_open)}")
    print(f"   order placed -> job accepted on chain: {summary_ms(to_accept)}")
    print(f"   order placed -> provider started job:  {summary_ms(to_start)}")
    return {"to_open_s": to_open, "to_accept_s": to_accept, "to_start_s": to_start}


def throughput(market: LocalMarket, jobs: int, seconds: float, in_flight: int) -> dict[str, object]:
    assert market.opener is not None
    w3 = market.protocol.w3
    first_block = int(rpc_request(w3, "eth_blockNumber", [], "head"), 16)
    started = time.monotonic()
    submitted = 0
    pending: dict[str, float] = {}  # fill id -> placed
    closed: dict[int, int] = Counter()  # type: ignore[assignment]
    done_times: list[float] = []
    waiting_open: dict[str, float] = {}
    while True:
        elapsed = time.monotonic() - started
        out_of_time = elapsed > seconds
        if not out_of_time and submitted < jobs and len(pending) + len(waiting_open) < in_flight:
            order = market.submitter.submit(
                MATMUL_RESOURCE, matmul_spec(50_000 + submitted), max_price_wei=100 * MILLI
            )
            waiting_open[order.fills[0].fill_id] = time.monotonic()
            submitted += 1
            continue
        for fill_id in list(waiting_open):
            if fill_id in market.opener.opened:
                pending[fill_id] = waiting_open.pop(fill_id)
            elif fill_id in market.opener.refused:
                waiting_open.pop(fill_id)
                closed["not opened"] += 1
        for fill_id, placed in list(pending.items()):
            opened = market.opener.opened[fill_id]
            status = market.protocol.job(opened.job_id).status
            if status in CLOSED:
                del pending[fill_id]
                closed[JobStatus(status).label] += 1
                done_times.append(time.monotonic() - placed)
        if (submitted >= jobs or out_of_time) and not pending and not waiting_open:
            break
        if elapsed > seconds + 120:
            print(f"   giving up on {len(pending) + len(waiting_open)} unfinished jobs")
            break
        time.sleep(0.1)
    wall = time.monotonic() - started
    settled = closed.get("Settled", 0)
    last_block = int(rpc_request(w3, "eth_blockNumber", [], "head"), 16)
    gas, by_method = gas_between(market, first_block, last_block)
    print(
        f"2. {submitted} matmul jobs (n=32, 1 unit) through the whole loop, {in_flight} in flight"
    )
    print(f"   closed: {dict(closed)} in {wall:.1f} s -> {settled / wall:.2f} settled jobs/s")
    print(f"   order -> settled: {summary_ms(done_times)}")
    if settled:
        print(
            f"   gas: {gas:,} total, {gas // settled:,} per settled job (all txs, claims included)"
        )
        for method, (count, used) in sorted(by_method.items(), key=lambda x: -x[1][1]):
            print(f"     {method:<22} {count:>5} txs  {used // max(count, 1):>8,} gas each")
    if submitted < jobs:
        print(f"   NOTE: {jobs} jobs did not fit in {seconds:g} s; {submitted} were run")
    return {
        "submitted": submitted,
        "closed": dict(closed),
        "wall_s": wall,
        "jobs_per_s": settled / wall,
        "gas_per_job": gas // settled if settled else None,
    }


def gas_between(
    market: LocalMarket, first: int, last: int
) -> tuple[int, dict[str, tuple[int, int]]]:
    w3 = market.protocol.w3
    names = {c.address.lower(): c for c in market.protocol.contracts.all()}
    total = 0
    by_method: dict[str, tuple[int, int]] = {}
    for number in range(first + 1, last + 1):
        block = rpc_request(w3, "eth_getBlockByNumber", [hex(number), True], "block")
        for tx in block["transactions"]:
            receipt = rpc_request(w3, "eth_getTransactionReceipt", [tx["hash"]], "receipt")
            used = int(receipt["gasUsed"], 16)
            total += used
            contract = names.get((tx.get("to") or "").lower())
            method = "other"
            if contract is not None:
                try:
                    fn, _ = contract.contract.decode_function_input(tx["input"])
                    method = f"{contract.name}.{fn.fn_name}"
                except ValueError:
                    method = contract.name
            count, gas = by_method.get(method, (0, 0))
            by_method[method] = (count + 1, gas + used)
    return total, by_method


# ---------------------------------------------------------------------- 1,000 providers


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def simulated_market(
    providers: int, heartbeat_every: float, seconds: float, threads: int
) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix="gpuc-bench-matcher-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (home / "matcher.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gpuc.cli", "matcher", "run", "--no-chain", "--chain-id", "31337",
         "--port", str(port), "--database-url", f"sqlite:///{home / 'm.db'}",
         "--documents-dir", str(home / "docs")],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=home,
        start_new_session=True,
    )  # fmt: skip
    try:
        if not wait_for(lambda: _up(url), 60):
            raise SystemExit("the matcher did not start")
        idle_rss = rss_mib(process.pid)
        http = httpx.Client(timeout=30.0, limits=httpx.Limits(max_connections=threads * 2))
        wallets = [Wallet.from_private_key((i + 1).to_bytes(32, "big")) for i in range(providers)]
        clients = [MatcherClient(url, chain_id=31337, wallet=w, http=http) for w in wallets]
        offers: list[str] = [""] * providers

        def register(i: int) -> float:
            t = time.perf_counter()
            price = (5 + i % 50) * MILLI
            offer = clients[i].register_offer(MATMUL_RESOURCE, FixedPricing(price_wei=price), 50.0)
            offers[i] = offer.offer_id
            return time.perf_counter() - t

        t0 = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            reg = list(pool.map(register, range(providers)))
        reg_wall = time.perf_counter() - t0
        rss_registered = rss_mib(process.pid)
        print(f"3. simulated market: {providers} providers against the matcher (SQLite, loopback)")
        print(f"   register: {providers / reg_wall:.0f} offers/s  {summary_ms(reg)}")
        print(
            f"   matcher RSS: {idle_rss:.0f} MiB idle -> {rss_registered:.0f} MiB with the offers"
        )

        # Heartbeats at the real schedule, with market buys from a consumer meanwhile.
        rate = providers / heartbeat_every
        beats: list[float] = []
        orders: list[float] = []
        errors: Counter[str] = Counter()
        stop = threading.Event()
        consumer = MatcherClient(
            url, chain_id=31337, wallet=Wallet.from_private_key(b"\xcc" * 32), http=http
        )

        def buy() -> None:
            n = 0
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    consumer.place_order(MATMUL_RESOURCE, units=1, max_price_wei=100 * MILLI,
                                         spec=bytes.fromhex(SPEC[2:]), kind="market")  # fmt: skip
                    orders.append(time.perf_counter() - t)
                except MatcherRefused as exc:
                    errors[exc.code] += 1
                n += 1
                stop.wait(0.1)

        def beat(i: int) -> None:
            t = time.perf_counter()
            try:
                clients[i].heartbeat(offers[i])
                beats.append(time.perf_counter() - t)
            except MatcherRefused as exc:
                errors[exc.code] += 1

        buyer = threading.Thread(target=buy, daemon=True)
        buyer.start()
        start = time.perf_counter()
        sent = 0
        with ThreadPoolExecutor(threads) as pool:
            while time.perf_counter() - start < seconds:
                due = int((time.perf_counter() - start) * rate)
                while sent < due:
                    pool.submit(beat, sent % providers)
                    sent += 1
                time.sleep(0.01)
        stop.set()
        buyer.join()
        achieved = len(beats) / (time.perf_counter() - start)
        print(
            f"   heartbeats at the real schedule (each provider every {heartbeat_every:g} s ="
            f" {rate:.0f}/s) for {seconds:g} s: {achieved:.0f}/s served  {summary_ms(beats)}"
        )
        print(f"   market buys meanwhile (match + commit, over HTTP): {summary_ms(orders)}")

        # Flat out: how many heartbeats the matcher takes per second.
        beats.clear()
        start = time.perf_counter()
        flat = 0
        with ThreadPoolExecutor(threads) as pool:
            futures = []
            while time.perf_counter() - start < min(seconds, 10.0):
                futures.append(pool.submit(beat, flat % providers))
                flat += 1
                if len(futures) > threads * 4:
                    futures.pop(0).result()
            for f in futures:
                f.result()
        flat_wall = time.perf_counter() - start
        print(
            f"   heartbeats flat out ({threads} client threads): "
            f"{len(beats) / flat_wall:.0f}/s  {summary_ms(beats)}"
        )
        final_rss = rss_mib(process.pid)
        print(f"   matcher RSS at the end: {final_rss:.0f} MiB; refusals: {dict(errors) or 'none'}")
        return {
            "register_per_s": providers / reg_wall,
            "rss_mib": {"idle": idle_rss, "registered": rss_registered, "end": final_rss},
            "heartbeats_per_s_scheduled": achieved,
            "heartbeat_p50_ms": pct(beats, 0.5) * 1e3 if beats else None,
            "order_p50_ms": pct(orders, 0.5) * 1e3 if orders else None,
            "order_p95_ms": pct(orders, 0.95) * 1e3 if orders else None,
            "heartbeats_per_s_max": len(beats) / flat_wall,
        }
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/market/resources", timeout=1).is_success
    except httpx.HTTPError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency-samples", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=300.0, help="time budget of part 2")
    parser.add_argument("--in-flight", type=int, default=12)
    parser.add_argument("--providers", type=int, default=1000)
    parser.add_argument("--heartbeat-every", type=float, default=15.0)
    parser.add_argument("--sim-seconds", type=float, default=30.0)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--skip-loop", action="store_true")
    parser.add_argument(
        "--two-tx", action="store_true", help="agents do not sign acceptances: open + accept"
    )
    parser.add_argument("--skip-sim", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    figures: dict[str, object] = {}
    if not args.skip_loop:
        plan = MarketPlan(
            providers=tuple(
                p.model_copy(update={"sign_acceptances": not args.two_tx})
                for p in default_providers()
            ),
            dispute_window_s=10,
            opener_scans_offers=False,
            opener_poll_s=0.1,
            agent_poll_s=0.1,
            agent_parallel_jobs=4,
            consumer_credits=10_000 * 10**18,
        )
        t = time.monotonic()
        with LocalMarket(plan) as market:
            print(
                f"market up in {time.monotonic() - t:.1f} s"
                " (anvil, 3 oracles, matcher, 3 providers;"
                f" {'open + accept' if args.two_tx else 'one-transaction start'})"
            )
            if args.two_tx and market.opener is not None:
                market.opener.acceptance_wait_s = 0.0  # the old opener: open at once
            figures["latency"] = initiation_latency(market, args.latency_samples)
            figures["throughput"] = throughput(market, args.jobs, args.seconds, args.in_flight)
    if not args.skip_sim:
        figures["simulated"] = simulated_market(
            args.providers, args.heartbeat_every, args.sim_seconds, args.threads
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
