"""Oracle benchmark: receipt signature checks per second on one core, and
Freivalds verification time against the provider's multiply time.

Targets (issue 4): >= 2,000 receipt checks/s per core; Freivalds >= 50x cheaper
than the multiply at n = 2048; receipt-to-settlement p50 <= 1 s on anvil with
k = 2 of 3 (three `gpuc oracle run` processes, confirmation depth 2).

Run: .venv/bin/python scripts/bench/oracle.py [--sizes 1024 2048 4096] [--receipts 2000]
     [--sections receipts freivalds settlement] [--settlement-jobs 30] [--burst 10]
Single-threaded BLAS for both sides, so the ratios compare equal hardware.
Bounded: about 30-60 s with n = 4096 (one 4096 multiply is ~1-2 s per run), plus
about 20 s for the settlement section.
"""

from __future__ import annotations

import os

# One BLAS thread for the multiply and the check alike (must precede numpy's import).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

# tools/ (dev jobs, DevNet, sims) is not installed: import it from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
from eth_keys.backends import get_backend  # noqa: E402

from gpuc.devnet.local_cluster import LocalOracleCluster  # noqa: E402
from oracles.submission import ReceiptSubmission  # noqa: E402
from oracles.verify.freivalds import PRECISION_BY_DTYPE, freivalds_check, sign_vectors  # noqa: E402
from oracles.verify.matmul import MatmulVerifier  # noqa: E402
from protocol.compute.matrices import INPUT_BOUND, job_matrices  # noqa: E402
from protocol.compute.npy_codec import encode_npy  # noqa: E402
from protocol.compute.specs import MatmulSpec  # noqa: E402
from protocol.compute.units import matmul_units  # noqa: E402
from protocol.typed_data import (  # noqa: E402
    JobStatus,
    JobTerms,
    Receipt,
    job_id,
    receipt_digest,
    recover_signer,
)
from provider.results.server import ResultServer  # noqa: E402
from provider.results.store import ResultStore  # noqa: E402
from tools.dev_jobs import (  # noqa: E402
    honest_matmul_result,
    matmul_spec,
    open_job,
    post_submission,
    signed_submission,
)
from tools.devnet import CREDIT, DevNet, local_devnet  # noqa: E402
from tools.sim.jobs import SIM_DOMAIN, SimJob, sign_receipt  # noqa: E402

PROVIDER_KEY = bytes.fromhex("11" * 32)


def best_of(runs: int, work: Callable[[], object]) -> float:
    """Fastest of ``runs`` timings, in seconds (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def bench_receipts(count: int) -> None:
    receipts = [
        Receipt(
            job_id=i.to_bytes(32, "big"),
            result_hash=(i + 1).to_bytes(32, "big"),
            units=i,
            started_at=1_700_000_000,
            finished_at=1_700_000_010,
        )
        for i in range(count)
    ]
    signatures = [sign_receipt(SIM_DOMAIN, r, PROVIDER_KEY) for r in receipts]
    digests = [receipt_digest(SIM_DOMAIN, r) for r in receipts]
    provider = SimJob({"kind": "x"}, provider_key=PROVIDER_KEY, max_units=1).terms.provider

    def full_checks() -> None:
        for receipt, signature in zip(receipts, signatures, strict=True):
            if recover_signer(receipt_digest(SIM_DOMAIN, receipt), signature) != provider:
                raise AssertionError("benchmark receipt did not verify")

    def recoveries() -> None:
        for digest, signature in zip(digests, signatures, strict=True):
            recover_signer(digest, signature)

    full = best_of(3, full_checks)
    recover = best_of(3, recoveries)
    print(f"receipt signatures ({type(get_backend()).__name__}, one core, {count} receipts)")
    print(f"  EIP-712 digest + OZ-strict recovery + signer match: {count / full:,.0f} checks/s")
    print(f"  recovery alone:                                      {count / recover:,.0f} /s")


def bench_freivalds(n: int, vectors: int) -> None:
    spec = MatmulSpec(kind="matmul", n=n, seed_a=1, seed_b=2, dtype="float32")
    runs = 3 if n <= 2048 else 2
    generate = best_of(runs, lambda: job_matrices(spec))
    a, b = job_matrices(spec)
    multiply = best_of(runs, lambda: a @ b)
    c = a @ b
    x = sign_vectors(np.random.default_rng(0), n, vectors)
    precision = PRECISION_BY_DTYPE["float32"]
    outcome = freivalds_check(a, b, c, x, precision, input_bound=INPUT_BOUND)
    assert outcome.passed
    check = best_of(runs, lambda: freivalds_check(a, b, c, x, precision, input_bound=INPUT_BOUND))

    # The whole verifier as an oracle runs it: decode C, regenerate A and B, check.
    result = encode_npy(c)
    job = SimJob(spec.as_json(), provider_key=PROVIDER_KEY, max_units=10**6)
    receipt = job.receipt(
        result, units=matmul_units(n), started_at=job.accepted_at, finished_at=job.accepted_at + 60
    )
    request = job.request(result, receipt, units_per_second=1e6, secret=b"s" * 32)
    verifier = MatmulVerifier(vectors=vectors)
    end_to_end = best_of(runs, lambda: verifier.check(spec, request))

    print(
        f"  n={n:>5}  multiply {multiply * 1e3:8.1f} ms | check {check * 1e3:7.1f} ms "
        f"({multiply / check:5.1f}x cheaper) | generate A,B {generate * 1e3:6.1f} ms | "
        f"verifier end to end {end_to_end * 1e3:7.1f} ms "
        f"({(generate + multiply) / end_to_end:4.1f}x cheaper than generate + multiply)"
    )


def bench_vector_count(n: int) -> None:
    spec = MatmulSpec(kind="matmul", n=n, seed_a=1, seed_b=2, dtype="float32")
    a, b = job_matrices(spec)
    c = a @ b
    multiply = best_of(3, lambda: a @ b)
    precision = PRECISION_BY_DTYPE["float32"]
    cells = []
    for k in (1, 5, 10, 20):
        x = sign_vectors(np.random.default_rng(0), n, k)
        seconds = best_of(
            3, partial(freivalds_check, a, b, c, x, precision, input_bound=INPUT_BOUND)
        )
        cells.append(f"k={k}: {seconds * 1e3:.1f} ms ({multiply / seconds:.0f}x)")
    print(f"  n={n} by vector count: " + ", ".join(cells))


_PRICE = CREDIT // 100


def _wait_closed(net: DevNet, terms: JobTerms, timeout: float = 30.0) -> float:
    """perf_counter() when the job's slot on chain first reads Settled or Slashed."""
    escrow, jid = net.protocol.contracts.escrow, job_id(terms)
    give_up = time.perf_counter() + timeout
    while time.perf_counter() < give_up:
        if int(escrow.read("jobs", jid)[0]) in (JobStatus.SETTLED, JobStatus.SLASHED):
            return time.perf_counter()
        time.sleep(0.005)
    raise TimeoutError(f"job 0x{jid.hex()} not settled within {timeout} s")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_settlement(jobs: int, burst: int) -> None:
    """Receipt posted to the three oracles -> settle transaction mined, one job at a
    time; then ``burst`` receipts at once (batched into settleBatch)."""
    with tempfile.TemporaryDirectory(prefix="gpuc-bench-oracle-") as tmp:
        base = Path(tmp)
        with local_devnet(base / "deployments", committee=3, threshold=2) as net:
            net.fund(net.consumer, 100 * CREDIT)
            net.fund_and_stake(net.provider, 100 * CREDIT)
            keys = [a.private_key.get_secret_value() for a in net.chain.accounts[-3:]]
            store = ResultStore(base / "results")
            settings = {"confirmations": 2, "poll_interval": 0.05, "fallback_after": 10.0}
            with (
                ResultServer(store) as server,
                LocalOracleCluster(
                    net.chain.rpc_url, net.manifest_path, keys, base / "oracles", settings=settings
                ) as cluster,
                ThreadPoolExecutor(max_workers=3) as pool,
            ):
                cluster.start_all()
                cluster.wait_healthy()

                def publish(data: bytes) -> str:
                    return server.result_url(store.put(data))

                def job(seed: int) -> tuple[JobTerms, ReceiptSubmission]:
                    spec = matmul_spec(seed)
                    terms = open_job(
                        net.consumer, net.provider, spec, price_per_unit=_PRICE, max_units=10
                    )
                    net.chain.mine()  # the accept has its second confirmation
                    result = honest_matmul_result(spec)
                    return terms, signed_submission(net.provider, terms, spec, result, publish)

                def post(submission: ReceiptSubmission) -> None:
                    # The provider posts to every member at once.
                    list(pool.map(lambda url: post_submission([url], submission), cluster.urls))

                latencies = []
                for i in range(jobs):
                    terms, submission = job(10_000 + i)
                    started = time.perf_counter()
                    post(submission)
                    latencies.append(_wait_closed(net, terms) - started)
                print(
                    f"receipt -> settlement on anvil, k = 2 of 3 oracle processes, "
                    f"confirmation depth 2, {jobs} jobs one at a time"
                )
                print(
                    f"  p50 {statistics.median(latencies) * 1e3:.0f} ms | "
                    f"p95 {_percentile(latencies, 0.95) * 1e3:.0f} ms | "
                    f"min {min(latencies) * 1e3:.0f} ms | max {max(latencies) * 1e3:.0f} ms"
                )

                if burst:
                    prepared = [job(20_000 + i) for i in range(burst)]
                    started = time.perf_counter()
                    for _, submission in prepared:
                        post(submission)
                    done = max(_wait_closed(net, terms) for terms, _ in prepared) - started
                    escrow = net.protocol.contracts.escrow.contract
                    txs = {
                        bytes(log["transactionHash"])
                        for terms, _ in prepared
                        for log in escrow.events.JobSettled().get_logs(
                            argument_filters={"jobId": job_id(terms)}, from_block=0
                        )
                    }
                    print(
                        f"  burst of {burst} receipts: all settled in {done * 1e3:.0f} ms "
                        f"by {len(txs)} transaction(s)"
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Oracle benchmark")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument("--receipts", type=int, default=2_000)
    parser.add_argument("--vectors", type=int, default=20)
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=["receipts", "freivalds", "settlement"],
        default=["receipts", "freivalds", "settlement"],
    )
    parser.add_argument("--settlement-jobs", type=int, default=30)
    parser.add_argument("--burst", type=int, default=10)
    args = parser.parse_args()

    if "receipts" in args.sections:
        bench_receipts(args.receipts)
    if "freivalds" in args.sections:
        print(f"Freivalds, float32, k = {args.vectors}, one BLAS thread on each side")
        for n in args.sizes:
            bench_freivalds(n, args.vectors)
        bench_vector_count(2048 if 2048 in args.sizes else min(args.sizes))
    if "settlement" in args.sections:
        bench_settlement(args.settlement_jobs, args.burst)


if __name__ == "__main__":
    main()
