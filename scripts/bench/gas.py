"""Gas per protocol action on anvil, through the SDK, as real transactions (21k base included).

    .venv/bin/python scripts/bench/gas.py            # the table
    .venv/bin/python scripts/bench/gas.py --json     # machine-readable

"first" is an account's first contact (balances and claimables still zero, so storage
slots go from zero to non-zero); "steady" is the same action once they are non-zero.
settleBatch is reported per job at 1, 10 and 100 jobs, every job with its own consumer and
provider. Verdicts are 2-of-3. A release settles the outcome only; payOut credits the money
and unlocks the collateral: it is reported per job at 1, 10 and 100 jobs of one provider in
one call (each job with its own consumer), and the lifecycle rows add up what one job costs
from open (permit) to payOut. The one claim that pulls many jobs' pay is left out of those.

One-transaction start: "openAccepted (permit)" opens and accepts with the provider's EIP-712
acceptance signed off chain (and an ERC-2612 permit for the budget); "openAccepted (standing
allowance)" is the same for a consumer that approved the escrow once for all its jobs (an
unlimited allowance is not written down per job). "settleAndPayOut 2-of-3" settles a release
and pays it out in the same transaction (the single-job path in one step).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from protocol.client import JobRef  # noqa: E402
from protocol.job_spec import spec_hash  # noqa: E402
from protocol.roles import Consumer, OracleOperator, Provider  # noqa: E402
from protocol.typed_data import Outcome, VerdictItem  # noqa: E402
from protocol.wallet import Wallet  # noqa: E402
from tools.devnet import CREDIT, DevNet, local_devnet  # noqa: E402

TARGETS = {
    "lifecycle per job, one tx start + settleAndPayOut": 170_000,
    "open (approval)": 95_000,
    "open (permit)": 120_000,
    "accept": 60_000,
    "settle 2-of-3": 65_000,
    "settleBatch per job @100": 25_000,
}
SPEC = spec_hash({"kind": "matmul", "n": 64, "seed_a": 1, "seed_b": 2, "dtype": "float32"})
BUDGET = 100 * CREDIT
PRICE = CREDIT


class GasBench:
    def __init__(self, net: DevNet) -> None:
        self.net = net
        self.oracles: list[OracleOperator] = net.oracles
        self.rows: dict[str, dict[str, int]] = {}
        self.dispute_window = int(net.manifest.config["dispute_window"])

    def record(self, action: str, phase: str, gas: int) -> None:
        self.rows.setdefault(action, {})[phase] = gas

    # ---------------------------------------------------------------- actors

    def new_wallet(self) -> Wallet:
        wallet = Wallet.from_private_key("0x" + secrets.token_hex(32))
        self.net.chain.set_balance(wallet.address, 10**21)
        return wallet

    def new_consumer(self, credits: int = 0) -> Consumer:
        consumer = Consumer(self.net.protocol, self.new_wallet())
        if credits:
            consumer.buy_exact_credits(credits)
        return consumer

    def new_provider(self, stake: int = 0) -> Provider:
        provider = Provider(self.net.protocol, self.new_wallet())
        if stake:
            Consumer(self.net.protocol, provider.wallet, provider.sender).buy_exact_credits(stake)
            provider.stake(stake)
        return provider

    # ---------------------------------------------------------------- jobs

    def one_tx_start(self) -> None:
        """Open and accept in one transaction, then settle and pay out in one."""
        for label, permit in (
            ("openAccepted (permit)", True),
            ("openAccepted (standing allowance)", False),
        ):
            c = self.new_consumer(1000 * CREDIT)
            p = self.new_provider(1000 * CREDIT)
            if not permit:
                c.sender.send(
                    c.contracts.credit.tx("approve", c.contracts.escrow.address, 2**256 - 1)
                )
            for phase in ("first", "steady"):
                terms = c.new_terms(
                    provider=p.address, budget=BUDGET, price_per_unit=PRICE, spec=SPEC
                )
                opened = c.open_accepted(terms, p.sign_acceptance(terms), use_permit=permit)
                self.record(label, phase, opened.tx.gas_used)
                if permit:
                    self.record(
                        "settleAndPayOut 2-of-3",
                        phase,
                        self.settle(terms, Outcome.RELEASE, units=60, pay_out=True),
                    )

    def open_accepted(self, consumer: Consumer, provider: Provider) -> JobRef:
        terms = consumer.new_terms(
            provider=provider.address, budget=BUDGET, price_per_unit=PRICE, spec=SPEC
        )
        consumer.open_job(terms)
        provider.accept(terms)
        return terms

    def settle(self, job: JobRef, outcome: int, units: int, *, pay_out: bool = False) -> int:
        op = self.oracles[0]
        verdict = op.verdict(job, outcome=outcome, units=units, result_hash=b"\x07" * 32)
        combined = op.combine_verdict(verdict, [o.sign_verdict(verdict) for o in self.oracles[:2]])
        return op.settle(job, verdict, combined, pay_out=pay_out).tx.gas_used

    # ---------------------------------------------------------------- measurements

    def credits_and_stake(self) -> None:
        c = self.new_consumer()
        self.record("buy credits", "first", c.buy_exact_credits(10 * CREDIT).tx.gas_used)
        self.record("buy credits", "steady", c.buy_exact_credits(10 * CREDIT).tx.gas_used)
        for permit in (False, True):
            p = self.new_provider()
            Consumer(self.net.protocol, p.wallet, p.sender).buy_exact_credits(1000 * CREDIT)
            label = "stake (permit)" if permit else "stake (approval)"
            self.record(label, "first", p.stake(500 * CREDIT, use_permit=permit).gas_used)
            self.record(label, "steady", p.stake(500 * CREDIT, use_permit=permit).gas_used)

    def warm_protocol(self) -> None:
        """One job paid out by accounts used nowhere else, so the escrow's accrued fee and
        burn are non-zero, as on any deployment in use: "first" stays an account's first."""
        job = self.open_accepted(self.new_consumer(BUDGET), self.new_provider(BUDGET))
        self.settle(job, Outcome.RELEASE, units=60)
        self.oracles[0].pay_out([job])

    def job_lifecycle(self) -> None:
        for permit in (False, True):
            c = self.new_consumer(1000 * CREDIT)
            p = self.new_provider(1000 * CREDIT)
            label = "open (permit)" if permit else "open (approval)"
            for phase in ("first", "steady"):
                terms = c.new_terms(
                    provider=p.address, budget=BUDGET, price_per_unit=PRICE, spec=SPEC
                )
                self.record(label, phase, c.open_job(terms, use_permit=permit).tx.gas_used)
                if not permit:
                    self.record("accept", phase, p.accept(terms).tx.gas_used)
                    self.record(
                        "settle 2-of-3", phase, self.settle(terms, Outcome.RELEASE, units=60)
                    )
                    self.record("payOut (1 job)", phase, p.pay_out([terms]).tx.gas_used)
        # Full-budget release (no consumer refund) and the other paths, steady state.
        c = self.new_consumer(2000 * CREDIT)
        p = self.new_provider(2000 * CREDIT)
        warm = self.open_accepted(c, p)
        self.settle(warm, Outcome.RELEASE, units=60)
        p.pay_out([warm])  # claimables now non-zero
        job = self.open_accepted(c, p)
        self.record("settle 2-of-3, whole budget", "steady", self.settle(job, Outcome.RELEASE, 100))
        self.record("payOut (1 job), whole budget", "steady", p.pay_out([job]).tx.gas_used)
        job = self.open_accepted(c, p)
        receipt = p.submit_receipt(job, result_hash=b"\x05" * 32, units=60)
        self.record("submit receipt", "steady", receipt.tx.gas_used)
        self.net.advance(self.dispute_window + 1)
        self.record("finalize (optimistic)", "steady", p.finalize(job).gas_used)
        p.pay_out([job])
        job = self.open_accepted(c, p)
        self.record("slash (fault verdict)", "steady", self.settle(job, Outcome.FAULT, 0))
        job = self.open_accepted(c, p)
        terms = self.net.protocol.terms(job)
        self.net.advance(terms.deadline - self.net.protocol.now() + self.dispute_window + 2)
        self.record(
            "slash (non-delivery)",
            "steady",
            self.oracles[0].slash_non_delivery(job).tx.gas_used,
        )

    def batches(self, sizes: tuple[int, ...]) -> None:
        for n in sizes:
            pairs = [
                (self.new_consumer(1000 * CREDIT), self.new_provider(1000 * CREDIT))
                for _ in range(n)
            ]
            for phase in ("first", "steady"):
                jobs = [self.open_accepted(c, p) for c, p in pairs]
                gas = self._settle_batch(jobs)
                self.record(f"settleBatch per job @{n}", phase, gas // n)

    def payouts(self, sizes: tuple[int, ...]) -> None:
        """payOut of n jobs of one provider in one call, each job with its own consumer."""
        for n in sizes:
            provider = self.new_provider(1000 * CREDIT + n * BUDGET)  # half a budget per job
            consumers = [self.new_consumer(1000 * CREDIT) for _ in range(n)]
            for phase in ("first", "steady"):
                jobs = [self.open_accepted(c, provider) for c in consumers]
                self._settle_batch(jobs)
                paid = provider.pay_out(jobs)
                assert paid.count == n, f"paid {paid.count} of {n}"
                self.record(f"payOut per job @{n}", phase, paid.tx.gas_used // n)

    def _settle_batch(self, jobs: list[JobRef]) -> int:
        op = self.oracles[0]
        items = [
            VerdictItem(
                job_id=self.net.protocol.job(j).job_id,
                outcome=Outcome.RELEASE,
                units=60,
                result_hash=b"\x07" * 32,
            )
            for j in jobs
        ]
        batch = op.batch(items)
        combined = op.combine_batch(batch, [o.sign_batch(batch) for o in self.oracles[:2]])
        result = op.settle_batch(list(zip(jobs, items, strict=True)), batch.epoch, combined)
        return result.tx.gas_used


# What one released job costs from open to payOut, by how it settles ("first" only where
# every part was measured at first contact).
LIFECYCLES = {
    "lifecycle per job, 2-of-3 verdict": (
        "open (permit)",
        "accept",
        "settle 2-of-3",
        "payOut (1 job)",
    ),
    "lifecycle per job, batched @100": (
        "open (permit)",
        "accept",
        "settleBatch per job @100",
        "payOut per job @100",
    ),
    "lifecycle per job, optimistic": (
        "open (permit)",
        "accept",
        "submit receipt",
        "finalize (optimistic)",
        "payOut (1 job)",
    ),
    "lifecycle per job, one tx start + settleAndPayOut": (
        "openAccepted (permit)",
        "settleAndPayOut 2-of-3",
    ),
    "lifecycle per job, one tx start (allowance) + settleAndPayOut": (
        "openAccepted (standing allowance)",
        "settleAndPayOut 2-of-3",
    ),
    "lifecycle per job, one tx start, batched @100": (
        "openAccepted (permit)",
        "settleBatch per job @100",
        "payOut per job @100",
    ),
}


def add_lifecycles(rows: dict[str, dict[str, int]]) -> None:
    for name, parts in LIFECYCLES.items():
        if not all(part in rows for part in parts):
            continue  # e.g. --batch-sizes without 100
        for phase in ("first", "steady"):
            if all(phase in rows[part] for part in parts):
                rows.setdefault(name, {})[phase] = sum(rows[part][phase] for part in parts)


def _print_table(rows: dict[str, dict[str, int]]) -> None:
    print(f"{'action':58s} {'first':>9s} {'steady':>9s} {'target':>9s}")
    for action, phases in rows.items():
        first = phases.get("first")
        steady = phases.get("steady")
        target = TARGETS.get(action)
        mark = ""
        if target is not None and steady is not None:
            mark = "  ok" if steady <= target else "  over"
        print(
            f"{action:58s} {first if first is not None else '-':>9} "
            f"{steady if steady is not None else '-':>9} "
            f"{target if target is not None else '':>9}{mark}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--batch-sizes", default="1,10,100")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.batch_sizes.split(","))
    with tempfile.TemporaryDirectory() as tmp, local_devnet(Path(tmp)) as net:
        bench = GasBench(net)
        steps: list[Callable[[], None]] = [
            bench.credits_and_stake,
            bench.warm_protocol,
            bench.job_lifecycle,
            bench.one_tx_start,
            lambda: bench.batches(sizes),
            lambda: bench.payouts(sizes),
        ]
        for step in steps:
            step()
    add_lifecycles(bench.rows)
    if args.json:
        print(json.dumps(bench.rows, indent=1))
    else:
        _print_table(bench.rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
