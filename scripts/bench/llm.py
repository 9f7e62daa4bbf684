"""Benchmark the LLM market: engine vs provider vs gateway, session open on anvil,
gas per request in a long session, and the oracle's detection rates.

    .venv/bin/python scripts/bench/llm.py [--prompts 3] [--tokens 16] [--sessions 1000]
        [--only paths|chain|verification]

1. Throughput and time to first token (TTFT) of the same greedy prompts through
   the embedded engine, the provider's HTTP server (streamed) and the gateway in
   front of it (streamed), interleaved in one run; the provider once in this
   process and once in a process of its own (as in a market).
2. Session open: best offer chosen -> escrow opened (permit) -> accepted by the
   provider over HTTP, p50 over --opens sessions on a local anvil.
3. Gas per request in a session of 1,000 requests: open + accept + receipt +
   finalize + payOut, once per session, divided by 1,000.
4. Verification: each cheat's per-request detection (real model), then
   --sessions simulated sessions of 50 requests, 30 % of them cheated, sampled at
   the verifier's default size; false-slash rate from honest requests; oracle CPU
   per verified request vs the provider's; the same sessions judged by a 2-of-3
   committee whose members each draw their own sample.
5. The oracle's path over HTTP: fetch a session's chain and sampled exchanges from
   the provider's server, re-run them; CPU per verified request vs per served one.
   (``--only verification`` runs 4 and 5 alone, ``--only oracle`` 5 alone.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from gpuc.devnet.llm_cheat import LLMCheat, answer_tamper, perturbed_engine  # noqa: E402
from gpuc.gateway.gateway import Gateway, create_gateway_app  # noqa: E402
from gpuc.gateway.offers import rank_offers  # noqa: E402
from gpuc.gateway.sessions import ChainSessionOpener, OpenedSession  # noqa: E402
from oracles.verify.llm import DEFAULT_LLM_SAMPLE_SIZE, check_exchange  # noqa: E402
from protocol.llm.chat_format import format_chat  # noqa: E402
from protocol.llm.session_key import (  # noqa: E402
    SessionCredential,
    new_session_secret,
    session_key_hash,
)
from protocol.llm.transformers_engine import TransformersEngine, load_engine  # noqa: E402
from protocol.llm.types import ChatMessage, TokenStep  # noqa: E402
from protocol.wallet import Wallet  # noqa: E402
from provider.llm.chain_sessions import SessionAcceptor  # noqa: E402
from provider.llm.server import LLMServer, create_llm_app  # noqa: E402
from provider.llm.session import SessionBook  # noqa: E402
from provider.results.server import LoopbackServer  # noqa: E402
from tools.devnet import CREDIT, local_devnet  # noqa: E402

MODEL = "gemma-3-270m"
KEY = "0x" + "61" * 32
QUESTIONS = [
    "What is the capital of France?",
    "Name three colors.",
    "Why is the sky blue?",
    "Count from one to five.",
    "What is two plus two?",
]


def _p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _sse_ttft(
    client: httpx.Client, url: str, body: dict[str, object], key: str
) -> tuple[float, float, int]:
    """(time to first content token, total time, tokens) of one streamed chat."""
    started = time.perf_counter()
    first = 0.0
    tokens = 0
    with client.stream(
        "POST", url, json=body, headers={"Authorization": f"Bearer {key}"}
    ) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if '"content": "' in line and '"role"' not in line:
                if not first:
                    first = time.perf_counter() - started
                tokens += 1
    return first, time.perf_counter() - started, tokens


GATEWAY_JOB, DIRECT_JOB = b"\xcc" * 32, b"\xbb" * 32


def serve_provider(port: int, direct_secret: str, gateway_secret: str) -> None:
    """``--serve-provider``: the provider in a process of its own, as it runs in a
    market (the gateway runs on the consumer's side), with two sessions open."""
    import uvicorn

    engine = load_engine()
    book = SessionBook(KEY)
    book.open(DIRECT_JOB, session_key_hash(bytes.fromhex(direct_secret)), 10**9)
    book.open(GATEWAY_JOB, session_key_hash(bytes.fromhex(gateway_secret)), 10**9)
    server = LLMServer(engine, book, Wallet.from_private_key(KEY).address, price_per_token=1)
    uvicorn.run(create_llm_app(server), host="127.0.0.1", port=port, log_level="warning")


class _FixedOpener:
    """The gateway's session: one pre-opened in the provider's book (no escrow here)."""

    def __init__(self, job: bytes, secret: bytes) -> None:
        self.credential = SessionCredential(job, secret)

    def open(self, offer, need):  # type: ignore[no-untyped-def]
        return OpenedSession(offer, self.credential, 10**9)


@contextlib.contextmanager
def _provider_process(direct: bytes, via_gateway: bytes) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = [
        sys.executable,
        __file__,
        "--serve-provider",
        str(port),
        direct.hex(),
        via_gateway.hex(),
    ]
    child = subprocess.Popen(args)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).is_success:
                    break
            except httpx.HTTPError:
                pass
            if child.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the provider process did not start")
            time.sleep(0.2)
        yield url
    finally:
        child.terminate()
        child.wait(timeout=30)


def bench_paths(engine: TransformersEngine, prompts: int, tokens: int) -> None:
    """Two topologies in one interleaved run: the provider in this process (its
    generating thread shares the GIL with the gateway's and the client's threads,
    as the earlier figures were taken) and the provider in a process of its own (how a
    market runs it: the gateway is the consumer's)."""
    book = SessionBook(KEY)
    server = LLMServer(engine, book, Wallet.from_private_key(KEY).address, price_per_token=1)
    secrets = {name: new_session_secret() for name in ("direct", "gateway")}
    book.open(DIRECT_JOB, session_key_hash(secrets["direct"]), 10**9)
    book.open(GATEWAY_JOB, session_key_hash(secrets["gateway"]), 10**9)
    direct_key = SessionCredential(DIRECT_JOB, secrets["direct"]).api_key
    paths = ["engine", "provider (same process)", "gateway (same process)"]
    paths += ["provider (own process)", "gateway (own process)"]
    results: dict[str, list[tuple[float, float, int]]] = {p: [] for p in paths}
    with (
        LoopbackServer(create_llm_app(server)) as running,
        _provider_process(secrets["direct"], secrets["gateway"]) as remote,
    ):
        opener = _FixedOpener(GATEWAY_JOB, secrets["gateway"])
        near = Gateway([running.base_url], opener)
        far = Gateway([remote], opener)
        with (
            LoopbackServer(create_gateway_app(near)) as front_near,
            LoopbackServer(create_gateway_app(far)) as front_far,
            httpx.Client(timeout=300) as client,
        ):
            targets = {
                "provider (same process)": (running.base_url, direct_key),
                "gateway (same process)": (front_near.base_url, "local"),
                "provider (own process)": (remote, direct_key),
                "gateway (own process)": (front_far.base_url, "local"),
            }
            for index in range(prompts + 1):  # the first round warms every path up
                question = QUESTIONS[index % len(QUESTIONS)]
                body = {
                    "model": MODEL,
                    "messages": [{"role": "user", "content": question}],
                    "max_tokens": tokens,
                    "stream": True,
                }
                prompt = format_chat([ChatMessage(role="user", content=question)])
                started = time.perf_counter()
                first = 0.0
                count = 0
                for _ in engine.stream(prompt, tokens, 0, True):
                    if not first:
                        first = time.perf_counter() - started
                    count += 1
                row = {"engine": (first, time.perf_counter() - started, count)}
                for path, (base, key) in targets.items():
                    row[path] = _sse_ttft(client, f"{base}/v1/chat/completions", body, key)
                if index:
                    for path, figures in row.items():
                        results[path].append(figures)
        asyncio.run(near.aclose())
        asyncio.run(far.aclose())
    print(f"\n== throughput, {prompts} chat prompts x {tokens} tokens (streamed, interleaved)")
    print(f"{'path':26} {'tokens/s':>9} {'TTFT p50 ms':>12}")
    rates = {}
    for path, rows in results.items():
        rate = sum(r[2] for r in rows) / sum(r[1] for r in rows)
        rates[path] = rate
        print(f"{path:26} {rate:9.2f} {1000 * _p50([r[0] for r in rows]):12.1f}")
    for where in ("same process", "own process"):
        gw, pv = results[f"gateway ({where})"], results[f"provider ({where})"]
        ttft_gw = _p50([g[0] - p[0] for g, p in zip(gw, pv, strict=True)])
        loss = 100 * (1 - rates[f"gateway ({where})"] / rates[f"provider ({where})"])
        print(
            f"gateway overhead, provider in {where}: TTFT p50 {1000 * ttft_gw:+.1f} ms, "
            f"throughput {loss:+.1f} % vs the provider"
        )


class InstantEngine:
    """Stands in for the model in the overhead section only: tokens cost nothing, so
    the time to the first token is the HTTP path alone (the gateway's own cost)."""

    model = MODEL

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 1

    def stream(
        self, prompt: str, max_tokens: int, top_logprobs: int = 0, chat: bool = False
    ) -> Iterator[TokenStep]:
        for index in range(max_tokens):
            yield TokenStep(token_id=index, text=f" t{index}", logprob=-0.5)


def bench_overhead(requests: int, tokens: int) -> None:
    """The gateway's own cost on the streamed path, the model taken out: TTFT and total
    time of the same requests straight to the provider and through the gateway,
    interleaved, p50 of the per-pair differences."""
    book = SessionBook(KEY)
    server = LLMServer(
        InstantEngine(), book, Wallet.from_private_key(KEY).address, price_per_token=1
    )
    secrets = {name: new_session_secret() for name in ("direct", "gateway")}
    book.open(DIRECT_JOB, session_key_hash(secrets["direct"]), 10**12)
    book.open(GATEWAY_JOB, session_key_hash(secrets["gateway"]), 10**12)
    direct_key = SessionCredential(DIRECT_JOB, secrets["direct"]).api_key
    body = {
        "model": MODEL,
        "messages": [{"role": "user", "content": QUESTIONS[0]}],
        "max_tokens": tokens,
        "stream": True,
    }
    pairs: list[tuple[tuple[float, float, int], tuple[float, float, int]]] = []
    with LoopbackServer(create_llm_app(server)) as running:
        gateway = Gateway([running.base_url], _FixedOpener(GATEWAY_JOB, secrets["gateway"]))
        with (
            LoopbackServer(create_gateway_app(gateway)) as front,
            httpx.Client(timeout=60) as client,
        ):
            for index in range(requests + 5):  # the first 5 warm both paths up
                direct = _sse_ttft(
                    client, f"{running.base_url}/v1/chat/completions", body, direct_key
                )
                via = _sse_ttft(client, f"{front.base_url}/v1/chat/completions", body, "local")
                if index >= 5:
                    pairs.append((direct, via))
        asyncio.run(gateway.aclose())
    ttft = _p50([v[0] - d[0] for d, v in pairs])
    total = _p50([v[1] - d[1] for d, v in pairs])
    print(
        f"\n== gateway overhead without the model: {requests} streamed requests x {tokens} tokens"
    )
    print(
        f"provider TTFT p50 {1000 * _p50([d[0] for d, _ in pairs]):.2f} ms, "
        f"through the gateway {1000 * _p50([v[0] for _, v in pairs]):.2f} ms"
    )
    print(
        f"gateway overhead: TTFT p50 {1000 * ttft:+.2f} ms, whole answer p50 {1000 * total:+.2f} ms"
    )


def bench_chain(engine: TransformersEngine, opens: int) -> None:
    price = CREDIT // 1000
    with tempfile.TemporaryDirectory() as tmp, local_devnet(Path(tmp)) as net:
        net.fund_and_stake(net.provider, 1000 * CREDIT)
        net.fund(net.consumer, 1000 * CREDIT)
        book = SessionBook(net.provider.wallet)
        acceptor = SessionAcceptor(net.provider, book, MODEL, price)
        server = LLMServer(
            engine, book, net.provider.address, acceptor=acceptor, price_per_token=price
        )
        with LoopbackServer(create_llm_app(server)) as running:
            gateway = Gateway([running.base_url], ChainSessionOpener(net.consumer))
            asyncio.run(gateway.refresh())
            times = []
            for _ in range(opens):
                started = time.perf_counter()
                offer = rank_offers(gateway.offers, MODEL, {})[0]
                session = gateway.opener.open(offer, 1000)
                times.append(time.perf_counter() - started)
            asyncio.run(gateway.aclose())
            print(
                f"\n== session open on anvil (offer chosen -> escrow opened -> accepted), n={opens}"
            )
            print(f"p50 {1000 * _p50(times):.1f} ms, max {1000 * max(times):.1f} ms")
            # Gas of whole sessions, spread over 1,000 requests each; the provider pays
            # out its closed sessions in one payOut (SessionAcceptor.settle_closed).
            consumer, provider = net.consumer, net.provider
            spec_terms = acceptor._terms[session.credential.job_id]
            batch = 10
            steps = {
                "open (permit)": 0,
                "accept": 0,
                "submitReceipt": 0,
                "finalize": 0,
                "payOut": 0,
            }
            all_terms = []
            for _ in range(batch):
                terms = consumer.new_terms(
                    provider=provider.address,
                    budget=spec_terms.budget,
                    price_per_unit=price,
                    spec=spec_terms.spec,
                )
                steps["open (permit)"] += consumer.open_job(terms).tx.gas_used
                steps["accept"] += provider.accept(terms).tx.gas_used
                steps["submitReceipt"] += provider.submit_receipt(
                    terms, result_hash=b"\x11" * 32, units=900
                ).tx.gas_used
                all_terms.append(terms)
            net.advance(int(net.protocol.contracts.escrow.read("disputeWindow")))
            for terms in all_terms:
                steps["finalize"] += provider.finalize(terms).gas_used
            steps["payOut"] += provider.pay_out(all_terms).tx.gas_used
            total = sum(steps.values()) / batch
            print(f"\n== gas per session ({batch} sessions, one payOut for all of them)")
            for name, gas in steps.items():
                print(f"{name:15} {gas / batch:8.0f}")
            print(
                f"total {total:.0f} gas per session -> {total / 1000:.1f} gas per request "
                "at 1,000 requests"
            )


def bench_verification(engine: TransformersEngine, sessions: int, tokens: int) -> None:
    requests = [
        {
            "endpoint": "chat",
            "model": MODEL,
            "messages": [{"role": "user", "content": q}],
            "max_tokens": tokens,
        }
        for q in QUESTIONS
    ]
    from protocol.llm.requests import ChatRequest

    parsed = [ChatRequest.model_validate(r) for r in requests]

    def served(server: LLMServer) -> Iterator[tuple[object, float]]:
        secret = new_session_secret()
        job = new_session_secret()
        server.book.open(job, session_key_hash(secret), 10**9)
        credential = SessionCredential(job, secret)
        for request in parsed:
            started = time.process_time()
            session, prompt_tokens = server.admit(request, credential)
            steps = tuple(server.run(request, prompt_tokens))
            server.bill(session, request, server.finish(request, prompt_tokens, steps))
            yield session, time.process_time() - started

    rates: dict[str, float] = {}
    provider_cpu: list[float] = []
    oracle_cpu: list[float] = []
    cheaters: dict[str, LLMServer] = {
        "honest": LLMServer(engine, SessionBook(KEY), "0x" + "0" * 40),
        **{
            c.value: LLMServer(
                engine, SessionBook(KEY), "0x" + "0" * 40, answer_tamper=answer_tamper(c)
            )
            for c in (LLMCheat.TRUNCATED, LLMCheat.INFLATED, LLMCheat.CACHED)
        },
        "perturbed_weights": LLMServer(
            perturbed_engine(engine, 0.1), SessionBook(KEY), "0x" + "0" * 40
        ),
    }
    for name, server in cheaters.items():
        caught = 0
        runs = list(served(server))
        session = runs[-1][0]
        for exchange, link in zip(session.exchanges, session.links, strict=True):  # type: ignore[attr-defined]
            started = time.process_time()
            failures = check_exchange(engine, link, exchange, 0.25)
            if name == "honest":
                oracle_cpu.append(time.process_time() - started)
            caught += bool(failures)
        if name == "honest":
            provider_cpu += [r[1] for r in runs]
        # The cached cheat answers its first request honestly.
        cheated = len(session.exchanges) - (1 if name == "cached" else 0)  # type: ignore[attr-defined]
        rates[name] = caught / max(cheated, 1) if name != "honest" else caught / len(runs)
    print(f"\n== verification, per request on the real model ({len(parsed)} requests each)")
    for name, rate in rates.items():
        label = "false-fail rate" if name == "honest" else "detected"
        print(f"{name:18} {label} {100 * rate:.0f} %")
    print(
        f"oracle CPU per verified request {1000 * _p50(oracle_cpu):.0f} ms vs provider's "
        f"{1000 * _p50(provider_cpu):.0f} ms ({_p50(oracle_cpu) / _p50(provider_cpu):.2f}x)"
    )
    rng = np.random.default_rng(1)
    n, fraction, sample = 50, 0.3, DEFAULT_LLM_SAMPLE_SIZE
    members, threshold = 3, 2
    print(
        f"\n== {sessions} simulated sessions each: {n} requests, {int(fraction * 100)} % cheated, "
        f"sample {sample} per oracle; one oracle alone, and a {threshold}-of-{members} committee "
        "(each member draws its own secret sample; a fault needs k signatures)"
    )
    for name, rate in rates.items():
        slashed = by_committee = 0
        for _ in range(sessions):
            # Honest sessions: every request can false-fail at the measured rate.
            bad = rng.random(n) < (1.0 if name == "honest" else fraction)
            faults = 0
            for member in range(members):
                picked = rng.choice(n, size=sample, replace=False)
                detected = rng.random(sample) < rate
                found = bool(np.any(bad[picked] & detected))
                faults += found
                slashed += found and member == 0
            by_committee += faults >= threshold
        label = "false-slash rate" if name == "honest" else "sessions slashed"
        print(
            f"{name:18} {label} {100 * slashed / sessions:.1f} % (one oracle), "
            f"{100 * by_committee / sessions:.1f} % ({threshold}-of-{members})"
        )


def bench_oracle_fetch(engine: TransformersEngine, requests: int, tokens: int) -> None:
    """The oracle's own path for one session over real HTTP: fetch the chain and the
    sampled exchanges from the provider's server (oracles.llm_fetch), then re-run
    them (oracles.verify.llm); CPU per verified request vs the provider's per
    served request."""
    from oracles.llm_fetch import fetch_exchanges, fetch_links
    from oracles.verify.llm import sample_indices, verify_session
    from protocol.llm.requests import ChatRequest

    server = LLMServer(engine, SessionBook(KEY), "0x" + "0" * 40)
    secret = new_session_secret()
    job = new_session_secret()
    server.book.open(job, session_key_hash(secret), 10**9)
    credential = SessionCredential(job, secret)
    provider_cpu = []
    for i in range(requests):
        question = QUESTIONS[i % len(QUESTIONS)] + " " * (i // len(QUESTIONS))
        request = ChatRequest.model_validate(
            {
                "model": MODEL,
                "messages": [{"role": "user", "content": question}],
                "max_tokens": tokens,
            }
        )
        started = time.process_time()
        session, prompt_tokens = server.admit(request, credential)
        steps = tuple(server.run(request, prompt_tokens))
        server.bill(session, request, server.finish(request, prompt_tokens, steps))
        provider_cpu.append(time.process_time() - started)
    session = server.book.get(job)
    assert session.latest is not None
    oracle_secret = b"bench oracle secret 32 bytes...."
    with LoopbackServer(create_llm_app(server)) as running:
        url = f"{running.base_url}/llm/sessions/0x{job.hex()}"
        started_wall, started = time.perf_counter(), time.process_time()
        with httpx.Client(timeout=30) as http:
            links = fetch_links(http, url)
            assert links is not None
            sample = sample_indices(
                oracle_secret, job, session.latest.head, len(links), DEFAULT_LLM_SAMPLE_SIZE
            )
            exchanges = fetch_exchanges(http, url, sample)
            fetched = time.process_time() - started
            report = verify_session(
                engine,
                job_id=job,
                head=session.latest.head,
                units=session.latest.total_tokens,
                links=links,
                exchanges=exchanges,
                secret=oracle_secret,
            )
        cpu, wall = time.process_time() - started, time.perf_counter() - started_wall
    assert report.failures == (), report
    per = cpu / len(sample)
    print(
        f"\n== oracle path over HTTP: session of {requests} requests, {len(sample)} sampled\n"
        f"fetch chain + exchanges {1000 * fetched:.0f} ms CPU; judge {wall:.2f} s wall, "
        f"{1000 * per:.0f} ms CPU per verified request vs provider's "
        f"{1000 * _p50(provider_cpu):.0f} ms per served request ({per / _p50(provider_cpu):.2f}x); "
        f"per session: oracle {cpu:.2f} s vs provider {sum(provider_cpu):.2f} s CPU "
        f"({cpu / sum(provider_cpu):.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=16)
    parser.add_argument("--opens", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--session-requests", type=int, default=24)
    parser.add_argument(
        "--only",
        choices=["overhead", "paths", "chain", "verification", "oracle"],
        default=None,
        help="one section (verification: the simulation and the oracle's fetch; oracle: the"
        " fetch alone); default: all",
    )
    parser.add_argument("--requests", type=int, default=200, help="for the overhead section")
    parser.add_argument("--serve-provider", nargs=3, metavar=("PORT", "SECRET", "SECRET"))
    args = parser.parse_args()
    if args.serve_provider:
        port, direct, via_gateway = args.serve_provider
        serve_provider(int(port), direct, via_gateway)
        return
    if args.only in (None, "overhead"):
        bench_overhead(args.requests, args.tokens)
        if args.only == "overhead":
            return
    started = time.perf_counter()
    engine = load_engine()
    print(f"engine loaded in {time.perf_counter() - started:.1f} s on {engine.device}")
    if args.only in (None, "paths"):
        bench_paths(engine, args.prompts, args.tokens)
    if args.only in (None, "chain"):
        bench_chain(engine, args.opens)
    if args.only in (None, "verification"):
        bench_verification(engine, args.sessions, min(args.tokens, 8))
    if args.only in (None, "verification", "oracle"):
        bench_oracle_fetch(engine, args.session_requests, min(args.tokens, 8))


if __name__ == "__main__":
    main()
