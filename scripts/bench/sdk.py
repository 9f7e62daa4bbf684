"""Benchmark the SDK on a local anvil: open, accept, receipt, settle and pay out N jobs.

    .venv/bin/python scripts/bench/sdk.py --jobs 1000

Modes (each on a fresh snapshot of the same deployment):
  sequential  one job after another, every transaction preflighted, estimated and awaited
  pipelined   each phase sends all N transactions back to back from a local nonce counter
              (fixed gas from one estimate, no per-transaction preflight), then awaits them
  batch       like pipelined, but settles with settleBatch and pays out with payOut, BATCH
              jobs per transaction

Prints jobs/s, tx/s and gas per job (and per step) for each mode.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from protocol.roles.oracle_operator import OracleOperator  # noqa: E402
from protocol.tx.request import TxRequest  # noqa: E402
from protocol.tx.sender import MinedTx, TxSender  # noqa: E402
from protocol.typed_data import JobTerms, Outcome, Verdict, job_id  # noqa: E402
from tools.devnet import CREDIT, DevNet, local_devnet  # noqa: E402

BUDGET = CREDIT  # 1 GPUC per job
PRICE = CREDIT // 10  # 0.1 GPUC per unit: 10 units max
UNITS = 7
RESULT = b"\x42" * 32
BATCH = 100


@dataclass
class Run:
    mode: str
    jobs: int
    seconds: float = 0.0
    txs: int = 0
    gas: dict[str, int] = field(default_factory=dict)

    def add(self, step: str, mined: Sequence[MinedTx]) -> None:
        self.txs += len(mined)
        self.gas[step] = self.gas.get(step, 0) + sum(m.gas_used for m in mined)


def _terms(net: DevNet, n: int) -> list[JobTerms]:
    consumer, provider = net.consumer, net.provider
    return [
        consumer.new_terms(
            provider=provider.address,
            budget=BUDGET,
            price_per_unit=PRICE,
            spec=b"\x5e" * 32,
            salt=i + 1,
        )
        for i in range(n)
    ]


def _fund(net: DevNet, n: int) -> None:
    net.fund(net.consumer, n * BUDGET)
    net.fund_and_stake(net.provider, n * BUDGET)  # collateral is half a budget per job


def _verdict_signatures(oracles: Sequence[OracleOperator], verdict: Verdict) -> bytes:
    a, b = oracles[0], oracles[1]
    return a.combine_verdict(verdict, [a.sign_verdict(verdict), b.sign_verdict(verdict)])


def _verdict(terms: JobTerms, epoch: int) -> Verdict:
    return Verdict(
        job_id=job_id(terms), outcome=Outcome.RELEASE, units=UNITS, result_hash=RESULT, epoch=epoch
    )


def run_sequential(net: DevNet, n: int) -> Run:
    run = Run("sequential", n)
    _fund(net, n)
    terms_list = _terms(net, n)
    oracles = net.oracles
    epoch = oracles[0].committee().epoch
    start = time.perf_counter()
    for terms in terms_list:
        run.add("open", [net.consumer.open_job(terms).tx])
        run.add("accept", [net.provider.accept(terms).tx])
        run.add(
            "receipt",
            [net.provider.submit_receipt(terms, result_hash=RESULT, units=UNITS).tx],
        )
        verdict = _verdict(terms, epoch)
        settled = oracles[2].settle(terms, verdict, _verdict_signatures(oracles, verdict))
        run.add("settle", [settled.tx])
        run.add("payout", [net.provider.pay_out([terms]).tx])
    run.seconds = time.perf_counter() - start
    return run


def _pipeline(sender: TxSender, requests: Sequence[TxRequest]) -> list[MinedTx]:
    """Sign every request from the local nonce counter, send them all, then await them."""
    gas = sender.estimate_gas(requests[0])
    signed = [sender.prepare(r, preflight=False, gas=gas) for r in requests]
    hashes = [sender.broadcast(s) for s in signed]
    return [sender.wait(h, label=s.label) for h, s in zip(hashes, signed, strict=True)]


def run_pipelined(net: DevNet, n: int, *, batch: bool) -> Run:
    run = Run("batch" if batch else "pipelined", n)
    _fund(net, n)
    terms_list = _terms(net, n)
    escrow = net.protocol.contracts.escrow
    oracles = net.oracles
    epoch = oracles[0].committee().epoch
    consumer, provider = net.consumer, net.provider
    # One approval for all budgets: per-job permits would need the token's nonce in order.
    consumer.ensure_allowance(net.protocol.contracts.credit, escrow.address, n * BUDGET)
    start = time.perf_counter()
    run.add(
        "open", _pipeline(consumer.sender, [escrow.tx("open", t.as_tuple()) for t in terms_list])
    )
    run.add(
        "accept",
        _pipeline(provider.sender, [escrow.tx("accept", t.as_tuple()) for t in terms_list]),
    )
    receipts = [escrow.tx("submitReceipt", t.as_tuple(), RESULT, UNITS) for t in terms_list]
    run.add("receipt", _pipeline(provider.sender, receipts))
    submitter = oracles[2]
    if batch:
        settles = []
        for i in range(0, n, BATCH):
            chunk = terms_list[i : i + BATCH]
            items = [_verdict(t, epoch).item() for t in chunk]
            vb = submitter.batch(items, epoch=epoch)
            a, b = oracles[0], oracles[1]
            sigs = submitter.combine_batch(vb, [a.sign_batch(vb), b.sign_batch(vb)])
            entries = [
                (t.as_tuple(), (v.job_id, v.outcome, v.units, v.result_hash))
                for t, v in zip(chunk, items, strict=True)
            ]
            settles.append(escrow.tx("settleBatch", entries, epoch, sigs))
        mined = [submitter.sender.send(r) for r in settles]  # batches differ in size: estimate each
    else:
        requests = []
        for t in terms_list:
            v = _verdict(t, epoch)
            verdict_tuple = (v.job_id, v.outcome, v.units, v.result_hash, v.epoch)
            requests.append(
                escrow.tx("settle", t.as_tuple(), verdict_tuple, _verdict_signatures(oracles, v))
            )
        mined = _pipeline(submitter.sender, requests)
    run.add("settle", mined)
    if batch:
        chunks = [terms_list[i : i + BATCH] for i in range(0, n, BATCH)]
        payouts = [escrow.tx("payOut", [t.as_tuple() for t in chunk]) for chunk in chunks]
        run.add("payout", [provider.sender.send(r) for r in payouts])  # sizes differ: estimate
    else:
        payouts = [escrow.tx("payOut", [t.as_tuple()]) for t in terms_list]
        run.add("payout", _pipeline(provider.sender, payouts))
    run.seconds = time.perf_counter() - start
    sample = terms_list[:: max(1, n // 20)]
    paid = sum(net.protocol.job(t).paid_out for t in sample)
    assert paid == len(sample), "not every sampled job was settled and paid out"
    return run


def report(runs: Sequence[Run]) -> None:
    head = f"{'mode':<11} {'jobs':>6} {'seconds':>8} {'jobs/s':>8} {'tx/s':>8} {'gas/job':>9}"
    print(head + "   gas per job by step")
    for r in runs:
        per_step = ", ".join(f"{k} {v // r.jobs:,}" for k, v in r.gas.items())
        total = sum(r.gas.values()) // r.jobs
        print(
            f"{r.mode:<11} {r.jobs:>6} {r.seconds:>8.1f} {r.jobs / r.seconds:>8.1f} "
            f"{r.txs / r.seconds:>8.1f} {total:>9,}   {per_step}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000, help="jobs per mode (default 1000)")
    parser.add_argument(
        "--modes", default="sequential,pipelined,batch", help="comma-separated modes to run"
    )
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.jobs > 20_000:
        parser.error("--jobs must be within 1..20000")
    modes: dict[str, Callable[[DevNet, int], Run]] = {
        "sequential": run_sequential,
        "pipelined": lambda net, n: run_pipelined(net, n, batch=False),
        "batch": lambda net, n: run_pipelined(net, n, batch=True),
    }
    chosen = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in chosen if m not in modes]
    if unknown:
        parser.error(f"unknown mode(s) {unknown}: choose from {sorted(modes)}")
    runs = []
    with tempfile.TemporaryDirectory() as tmp, local_devnet(Path(tmp)) as net:
        for mode in chosen:
            with net.checkpoint():
                print(f"running {mode} with {args.jobs} jobs ...", flush=True)
                runs.append(modes[mode](net, args.jobs))
    report(runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
