"""Matcher benchmarks; prints figures (not a test).

1. In-engine match latency with 10,000 providers and 100,000 resting orders
   (target p99 <= 5 ms) and the memory the book takes at that size.
2. Durable order submissions per second over HTTP on loopback: signed limit orders
   against `gpuc matcher run` on SQLite (WAL, synchronous=FULL) or a PostgreSQL URL;
   each order counts once its 201 (after commit) arrived (target >= 2,000/s, p99 <= 50 ms).
3. The matching workload through the SDK's MatcherClient, on SQLite and PostgreSQL in
   the same run (--matching): standing offers, market buys that fill at once, limit
   buys that rest and then fill when a provider lowers its price; then a cProfile of
   the matching path against the resting path, in-process.

    .venv/bin/python scripts/bench/matcher.py                    # both, SQLite
    .venv/bin/python scripts/bench/matcher.py --http-only --database-url postgresql+psycopg://...
    .venv/bin/python scripts/bench/matcher.py --matching --postgres-url postgresql+psycopg://...
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from matcher.book import BookConfig, OrderBook, OrderKind, ResourceCatalog  # noqa: E402
from matcher.errors import MatcherError  # noqa: E402
from protocol.pricing import (  # noqa: E402
    CostBasedPricing,
    FixedPricing,
    UtilizationSigmoidPricing,
)

RESOURCE = "llama-3-70b"
SPEC = "0x" + "00" * 32


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(samples: list[float]) -> str:
    s = sorted(samples)

    def q(p: float) -> float:
        return s[min(len(s) - 1, int(p * len(s)))] * 1e3

    return f"p50 {q(0.50):.3f} ms  p99 {q(0.99):.3f} ms  max {s[-1] * 1e3:.3f} ms  (n={len(s)})"


# -- 1. in-engine ----------------------------------------------------------------------


def build_book(providers: int, resting: int, rng: random.Random) -> tuple[OrderBook, float]:
    book = OrderBook(ResourceCatalog(), BookConfig())
    t = 1_800_000_000.0
    for i in range(providers):
        kind = i % 5
        if kind < 3:
            strategy: object = FixedPricing(price_wei=rng.randint(1_000, 2_000))
        elif kind == 3:
            strategy = CostBasedPricing(energy_cost_wei=rng.randint(700, 1_200), margin_wei=200)
        else:
            low = rng.randint(900, 1_300)
            strategy = UtilizationSigmoidPricing(p_min_wei=low, p_max_wei=low + 1_000)
        book.add_offer(
            offer_id=f"off{i}",
            owner=f"0xprovider{i}",
            resource=RESOURCE,
            strategy=strategy,  # type: ignore[arg-type]
            capacity_units_per_s=rng.uniform(1, 50),
            min_job_units=rng.choice((1, 1, 1, 10)),
            now=t,
        )
    for i in range(resting):
        book.place_order(
            order_id=f"rest{i}",
            owner=f"0xconsumer{i % 1000}",
            resource=RESOURCE,
            kind=OrderKind.LIMIT,
            units=rng.randint(1, 500),
            max_price_wei=rng.randint(100, 400),  # below every ask: they rest
            spec=SPEC,
            all_or_none=False,
            now=t,
        )
    return book, t


def bench_engine(providers: int, resting: int, ops: int, seed: int) -> None:
    rng = random.Random(seed)
    gc.collect()
    before = rss_mib()
    started = time.perf_counter()
    book, t = build_book(providers, resting, rng)
    built = time.perf_counter() - started
    gc.collect()
    gc.freeze()  # as the server does after replaying its log: long-lived objects leave the GC
    print(
        f"[engine] built {providers:,} offers + {resting:,} resting bids in {built:.1f} s;"
        f" RSS {rss_mib() - before:.0f} MiB for the book ({rss_mib():.0f} MiB process)"
    )
    stats = book.stats(RESOURCE, t)
    print(f"[engine] best ask {stats.price_wei} wei, {stats.pending_requests:,} resting")
    timings: dict[str, list[float]] = {
        "market buy": [],
        "limit buy (rests)": [],
        "limit buy (crosses)": [],
        "cancel": [],
        "offer re-price": [],
    }
    cpu: list[float] = []
    fills = 0
    for i in range(ops):
        t += 0.002  # 500 operations per simulated second
        op = ("market buy", "limit buy (rests)", "limit buy (crosses)", "cancel", "offer re-price")[
            i % 5
        ]
        # Draw every random input before the clock starts.
        units = rng.randint(10, 2_000) if op == "market buy" else rng.randint(1, 500)
        low_limit = rng.randint(100, 400)
        victim = book.order(f"rest{rng.randrange(resting)}")
        k = rng.randrange(providers)
        new_price = FixedPricing(price_wei=rng.randint(1_000, 2_000))
        if op == "cancel" and victim.status.value != "resting":
            continue
        c0 = time.thread_time()
        t0 = time.perf_counter()
        if op == "cancel":
            book.cancel_order(victim.order_id, victim.owner, t)
        elif op == "offer re-price":
            book.update_offer(
                f"off{k}",
                f"0xprovider{k}",
                strategy=new_price,
                capacity_units_per_s=None,
                min_job_units=None,
                now=t,
            )
        else:
            kind = OrderKind.MARKET if op == "market buy" else OrderKind.LIMIT
            limit = {"market buy": 1_600, "limit buy (rests)": low_limit}.get(op, 1_500)
            try:
                _, f = book.place_order(
                    order_id=f"b{i}",
                    owner="0xbuyer",
                    resource=RESOURCE,
                    kind=kind,
                    units=units,
                    max_price_wei=limit,
                    spec=SPEC,
                    all_or_none=False,
                    now=t,
                )
                fills += len(f)
            except MatcherError:
                pass  # a market buy on an exhausted book is refused
        timings[op].append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    everything: list[float] = []
    for name, samples in timings.items():
        if samples:
            print(f"[engine] {name:<20} {percentiles(samples)}")
            everything += samples
    print(f"[engine] all operations      {percentiles(everything)}; {fills:,} fills")
    # Wall time includes waiting for a core on a shared machine; CPU time does not.
    print(f"[engine] all operations, CPU {percentiles(cpu)}; load average {os.getloadavg()[0]:.1f}")


# -- 2. HTTP ---------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (and its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def presign(
    count: int, wallets: int, chain_id: int, seed: int
) -> list[tuple[bytes, dict[str, str]]]:
    from eth_account import Account

    from matcher.auth.request_signature import sign_request

    rng = random.Random(seed)
    keys = [Account.from_key(rng.randbytes(32)).key for _ in range(wallets)]
    expiry = int(time.time()) + 3000
    out = []
    for i in range(count):
        units, price = rng.randint(1, 100), rng.randint(1, 50)
        body = (
            f'{{"resource":"h100","kind":"limit","units":{units},"max_price_wei":{price},'
            f'"spec":"{SPEC}"}}'
        ).encode()
        signed = sign_request(
            keys[i % wallets],
            chain_id=chain_id,
            method="POST",
            path="/api/market/orders",
            body=body,
            nonce=i + 1,
            expiry=expiry,
        )
        out.append((body, {**signed.headers(), "content-type": "application/json"}))
    return out


def raw_request(port: int, body: bytes, headers: dict[str, str]) -> bytes:
    """One pre-built HTTP/1.1 keep-alive POST, byte for byte."""
    lines = [
        "POST /api/market/orders HTTP/1.1",
        f"host: 127.0.0.1:{port}",
        f"content-length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_status(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return int(head[9:12])


def client_worker(
    port: int,
    requests: list[tuple[bytes, dict[str, str]]],
    concurrency: int,
    results: mp.Queue,  # type: ignore[type-arg]
    use_httpx: bool,
) -> None:
    """Closed-loop clients: each connection sends its next order once the last one's
    response arrived. The default client writes pre-built bytes on raw keep-alive
    sockets: httpx costs ~1.7 ms of CPU per request, more than the server, and on a
    2-core machine that would measure the client."""
    import httpx

    async def run_raw() -> tuple[int, list[float], float]:
        latencies: list[float] = []
        ok = 0
        queue = [raw_request(port, b, h) for b, h in reversed(requests)]

        async def one() -> None:
            nonlocal ok
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                while queue:
                    data = queue.pop()
                    t0 = time.perf_counter()
                    writer.write(data)
                    status = await _read_status(reader)
                    latencies.append(time.perf_counter() - t0)
                    ok += status == 201
            finally:
                writer.close()

        await asyncio.gather(*(one() for _ in range(concurrency)))
        return ok, latencies, time.process_time() - cpu0

    async def run_httpx() -> tuple[int, list[float], float]:
        latencies: list[float] = []
        ok = 0
        queue = list(reversed(requests))
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http:

            async def one() -> None:
                nonlocal ok
                while queue:
                    body, headers = queue.pop()
                    t0 = time.perf_counter()
                    r = await http.post("/api/market/orders", content=body, headers=headers)
                    latencies.append(time.perf_counter() - t0)
                    ok += r.status_code == 201

            await asyncio.gather(*(one() for _ in range(concurrency)))
        return ok, latencies, time.process_time() - cpu0

    cpu0 = time.process_time()
    results.put(asyncio.run(run_httpx() if use_httpx else run_raw()))


def bench_http(
    database_url: str | None, count: int, concurrency: int, clients: int, use_httpx: bool
) -> None:
    tmp = tempfile.mkdtemp(prefix="gpuc-bench-")
    url_db = database_url or f"sqlite:///{tmp}/matcher.db"
    port = free_port()
    env = {
        **os.environ,
        "GPUC_MATCHER_RATE_LIMIT_PER_S": "1e9",
        "GPUC_MATCHER_RATE_LIMIT_BURST": "1e9",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gpuc.cli",
            "matcher",
            "run",
            "--no-chain",
            "--database-url",
            url_db,
            "--port",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import httpx

        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/market/resources")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the matcher did not start") from None
                time.sleep(0.1)
        t0 = time.perf_counter()
        signed = presign(count, wallets=200, chain_id=31337, seed=7)
        print(
            f"[http] pre-signed {count:,} orders in {time.perf_counter() - t0:.1f} s"
            f" ({'SQLite WAL synchronous=FULL' if database_url is None else database_url})"
        )
        results: mp.Queue = mp.Queue()  # type: ignore[type-arg]
        shards = [signed[i::clients] for i in range(clients)]
        workers = [
            mp.Process(target=client_worker, args=(port, shard, concurrency, results, use_httpx))
            for shard in shards
        ]
        cpu0 = cpu_seconds(server.pid)
        t0 = time.perf_counter()
        for w in workers:
            w.start()
        collected = [results.get(timeout=600) for _ in workers]
        elapsed = time.perf_counter() - t0
        server_cpu = cpu_seconds(server.pid) - cpu0
        for w in workers:
            w.join()
        acked = sum(ok for ok, _, _ in collected)
        latencies = [x for _, lat, _ in collected for x in lat]
        client_cpu = sum(c for _, _, c in collected)
        print(
            f"[http] {acked:,}/{count:,} acknowledged (201 after commit) in {elapsed:.2f} s:"
            f" {acked / elapsed:,.0f} durable orders/s; {clients} client processes x"
            f" {concurrency} connections ({'httpx' if use_httpx else 'raw keep-alive sockets'})"
        )
        print(f"[http] latency {percentiles(latencies)}")
        print(f"[http] mean {statistics.mean(latencies) * 1e3:.2f} ms")
        per_order = server_cpu / max(1, acked)
        print(
            f"[http] server CPU {server_cpu:.2f} s = {per_order * 1e3:.3f} ms per order, so one"
            f" core serves ~{1 / per_order:,.0f} orders/s; load average {os.getloadavg()[0]:.1f}"
        )
        # On 2 cores the clients share the machine with the server: if they burn more CPU
        # per order than it does, the figure above is the client's limit, not the server's.
        print(
            f"[http] client CPU {client_cpu:.2f} s = {client_cpu / max(1, acked) * 1e3:.3f} ms"
            f" per order; server + clients used {(server_cpu + client_cpu) / elapsed:.2f}"
            f" of {os.cpu_count()} cores"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


def start_matcher(database_url: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "GPUC_MATCHER_RATE_LIMIT_PER_S": "1e9",
        "GPUC_MATCHER_RATE_LIMIT_BURST": "1e9",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gpuc.cli",
            "matcher",
            "run",
            "--no-chain",
            "--database-url",
            database_url,
            "--port",
            str(port),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import httpx

    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/market/resources")
            return server, port
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the matcher did not start") from None
            time.sleep(0.1)


def matching_worker(
    port: int,
    seed: int,
    orders: int,
    results: mp.Queue,  # type: ignore[type-arg]
) -> None:
    """One consumer through the SDK: alternately a market buy that fills at once and a
    limit buy that rests below the offers (filled later when a provider reprices)."""
    from protocol.matcher_client import MatcherClient
    from protocol.wallet import Wallet

    wallet = Wallet.from_private_key("0x" + (1000 + seed).to_bytes(32, "big").hex())
    latencies: list[float] = []
    ok = 0
    spec = bytes(32)
    cpu0 = time.process_time()
    with MatcherClient(f"http://127.0.0.1:{port}", chain_id=31337, wallet=wallet) as client:
        for i in range(orders):
            market = i % 2 == 0
            t0 = time.perf_counter()
            order = client.place_order(
                RESOURCE,
                units=1 + i % 5,
                max_price_wei=200 if market else 95,
                spec=spec,
                kind="market" if market else "limit",
                all_or_none=False,
            )
            latencies.append(time.perf_counter() - t0)
            ok += order.status in ("filled", "resting", "partially_filled")
    results.put((ok, latencies, time.process_time() - cpu0))


def repricer(port: int, offer_ids: list[str], stop: Any) -> None:
    """A provider that dips its price under the resting bids now and then."""
    from protocol.matcher_client import MatcherClient
    from protocol.pricing import FixedPricing
    from protocol.wallet import Wallet

    wallet = Wallet.from_private_key("0x" + (999).to_bytes(32, "big").hex())
    with MatcherClient(f"http://127.0.0.1:{port}", chain_id=31337, wallet=wallet) as client:
        low = True
        while not stop.is_set():
            for offer_id in offer_ids[:2]:
                price = 90 if low else 110
                client.update_offer(offer_id, strategy=FixedPricing(price_wei=price))
            low = not low
            time.sleep(0.05)


def bench_matching_on(database_url: str, label: str, orders: int, clients: int) -> None:
    from protocol.matcher_client import MatcherClient
    from protocol.pricing import FixedPricing
    from protocol.wallet import Wallet

    server, port = start_matcher(database_url)
    try:
        provider = Wallet.from_private_key("0x" + (999).to_bytes(32, "big").hex())
        with MatcherClient(f"http://127.0.0.1:{port}", chain_id=31337, wallet=provider) as c:
            offer_ids = [
                c.register_offer(RESOURCE, FixedPricing(price_wei=100 + i), 1e6).offer_id
                for i in range(20)
            ]
        results: mp.Queue = mp.Queue()  # type: ignore[type-arg]
        stop = mp.Event()
        repricing = mp.Process(target=repricer, args=(port, offer_ids, stop))
        workers = [
            mp.Process(target=matching_worker, args=(port, i, orders // clients, results))
            for i in range(clients)
        ]
        cpu0 = cpu_seconds(server.pid)
        t0 = time.perf_counter()
        repricing.start()
        for w in workers:
            w.start()
        collected = [results.get(timeout=900) for _ in workers]
        elapsed = time.perf_counter() - t0
        stop.set()
        repricing.join(timeout=30)
        server_cpu = cpu_seconds(server.pid) - cpu0
        for w in workers:
            w.join()
        with MatcherClient(f"http://127.0.0.1:{port}", chain_id=31337) as c:
            market = c.market(RESOURCE)
        acked = sum(ok for ok, _, _ in collected)
        latencies = [x for _, lat, _ in collected for x in lat]
        client_cpu = sum(c for _, _, c in collected)
        print(
            f"[matching/{label}] {acked:,} orders acknowledged in {elapsed:.2f} s:"
            f" {acked / elapsed:,.0f} durable orders/s through MatcherClient"
            f" ({clients} client processes, closed loop); volume {market.volume_units:,} units,"
            f" {market.pending_requests:,} bids resting at the end"
        )
        print(f"[matching/{label}] latency {percentiles(latencies)}")
        print(
            f"[matching/{label}] server CPU {server_cpu / max(1, acked) * 1e3:.3f} ms per order"
            f" (incl. repricing); client CPU {client_cpu / max(1, acked) * 1e3:.3f} ms per order;"
            f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def profile_matching(orders: int) -> None:
    """cProfile of what differs between the two paths once a request is authenticated:
    the engine applying the order and the response view (JSON) built from it; market
    buys that fill against limit buys that rest."""
    import cProfile
    import io
    import pstats

    from matcher.api.schemas import order_view
    from matcher.engine import Engine
    from matcher.engine.commands import PlaceOrder, RegisterOffer

    engine = Engine(ResourceCatalog())
    now = 1_800_000_000.0
    for i in range(20):
        offer = RegisterOffer(
            offer_id=f"off{i}",
            owner="0x" + f"{i + 1:040x}",
            resource=RESOURCE,
            strategy=FixedPricing(price_wei=100 + i),
            capacity_units_per_s=1e6,
            min_job_units=1,
        )
        engine.apply(offer, now)
    consumer = "0x" + "ab" * 20
    for kind, price in (("market", 200), ("limit", 50)):
        commands = [
            PlaceOrder(
                order_id=f"{kind}{i}",
                owner=consumer,
                resource=RESOURCE,
                kind=OrderKind(kind),
                units=1,
                max_price_wei=price,
                spec=SPEC,
            )
            for i in range(orders)
        ]
        profiler = cProfile.Profile()
        t0 = time.process_time()
        profiler.enable()
        for command in commands:
            now += 0.001
            engine.advance(now)
            applied = engine.apply(command, now)
            assert applied.order is not None
            order_view(applied.order, engine).model_dump_json()
        profiler.disable()
        per = (time.process_time() - t0) / orders * 1e3
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(10)
        what = "matching (market buy that fills)" if kind == "market" else "resting (limit buy)"
        print(f"[profile] {what}: {per:.3f} ms CPU per order, engine + response view")
        lines = [ln for ln in out.getvalue().splitlines() if ln.strip()][-11:]
        print("\n".join("[profile]   " + ln[:150] for ln in lines))


def bench_matching(postgres_url: str | None, orders: int, clients: int) -> None:
    tmp = tempfile.mkdtemp(prefix="gpuc-bench-")
    try:
        bench_matching_on(f"sqlite:///{tmp}/matcher.db", "SQLite", orders, clients)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if postgres_url is None:
        print("[matching/PostgreSQL] skipped: give --postgres-url (scripts/ci/postgres.sh start)")
    else:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        server = make_url(postgres_url)
        name = f"gpuc_bench_{os.getpid()}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = server.set(database=name).render_as_string(hide_password=False)
            bench_matching_on(url, "PostgreSQL", orders, clients)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    profile_matching(min(orders, 1000))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--providers", type=int, default=10_000)
    parser.add_argument("--resting", type=int, default=100_000)
    parser.add_argument("--ops", type=int, default=5_000)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--httpx-client", action="store_true", help="send with httpx instead of raw sockets"
    )
    parser.add_argument("--engine-only", action="store_true")
    parser.add_argument("--http-only", action="store_true")
    parser.add_argument(
        "--matching", action="store_true", help="only the SDK matching workload and profile"
    )
    parser.add_argument("--postgres-url", default=os.environ.get("GPUC_TEST_POSTGRES_URL"))
    parser.add_argument("--matching-orders", type=int, default=4_000)
    parser.add_argument("--matching-clients", type=int, default=4)
    args = parser.parse_args()
    if args.matching:
        bench_matching(args.postgres_url, args.matching_orders, args.matching_clients)
        return
    if not args.http_only:
        bench_engine(args.providers, args.resting, args.ops, seed=1)
    if not args.engine_only:
        bench_http(
            args.database_url, args.orders, args.concurrency, args.clients, args.httpx_client
        )


if __name__ == "__main__":
    main()
