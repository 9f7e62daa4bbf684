"""Routing and failover benchmark; prints figures (not a test).

1. Simulation (pure, seconds): 1,000 providers, 10% of them failing most jobs, consumers
   that fail over up to 3 attempts. A price-only router against the reputation router
   (protocol.reputation: score from each provider's outcomes so far, ranked by effective
   price): share of jobs completed, failed attempts, price paid per completed job, and the
   consumer's extra cost versus price-only.
2. Death -> running elsewhere (``--live N``): a real local market (anvil, oracles, matcher,
   provider agents); N times a provider is SIGKILLed right after accepting a job and the
   time until another provider accepted the same work is measured (p50, max).

    .venv/bin/python scripts/bench/routing.py               # simulation only
    .venv/bin/python scripts/bench/routing.py --live 3      # plus 3 kills on a live market
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from protocol.reputation import (  # noqa: E402
    Candidate,
    JobOutcome,
    OutcomeKind,
    ProviderHistory,
    RoutingPreference,
    rank,
    score,
)

T0 = 1_800_000_000.0


@dataclass
class SimProvider:
    address: str
    price: int
    fail_p: float  # hidden from the router
    outcomes: list[JobOutcome] = field(default_factory=list)
    candidate: Candidate | None = None


@dataclass
class SimResult:
    jobs: int = 0
    completed: int = 0
    attempts: int = 0
    failed_attempts: int = 0
    paid: int = 0  # sum of prices of the runs that completed
    prices: list[int] = field(default_factory=list)


def simulate(
    *,
    use_reputation: bool,
    providers: int,
    bad_share: float,
    bad_fail: float,
    good_fail: float,
    rounds: int,
    jobs_per_round: int,
    max_attempts: int,
    seed: int,
) -> SimResult:
    rng = random.Random(seed)
    fleet = []
    for i in range(providers):
        bad = rng.random() < bad_share
        fleet.append(
            SimProvider(
                address=f"0x{i:040x}",
                price=rng.randint(1000, 2000),
                fail_p=bad_fail if bad else good_fail,
            )
        )
    preference = RoutingPreference(reliability=0.5 if use_reputation else 0.0)
    result = SimResult()
    round_s = 600.0
    for r in range(rounds):
        now = T0 + r * round_s
        for p in fleet:  # reputation from what the chain showed so far
            rep = score(ProviderHistory(provider=p.address, outcomes=tuple(p.outcomes)), now)
            p.candidate = Candidate(
                key=p.address,
                provider=p.address,
                price_wei=p.price,
                score=rep.score,
                failure_probability=rep.failure_probability,
                provisional=rep.provisional,
            )
        by_address = {p.address: p for p in fleet}
        ranked = [by_address[c.provider] for c in rank([p.candidate for p in fleet], preference)]  # type: ignore[misc]
        busy: set[str] = set()  # one job per provider per round
        cursor = 0
        for j in range(jobs_per_round):
            result.jobs += 1
            tried: set[str] = set()
            for _ in range(max_attempts):
                while cursor < len(ranked) and ranked[cursor].address in busy | tried:
                    cursor += 1
                pick = next(
                    (
                        p
                        for p in ranked[cursor:]
                        if p.address not in busy and p.address not in tried
                    ),
                    None,
                )
                if pick is None:
                    break
                busy.add(pick.address)
                tried.add(pick.address)
                result.attempts += 1
                job = f"0x{(r * jobs_per_round + j) * 8 + len(tried):064x}"
                if rng.random() < pick.fail_p:
                    result.failed_attempts += 1
                    kind = rng.choice([OutcomeKind.NOT_ACCEPTED, OutcomeKind.SLASHED_NON_DELIVERY])
                    pick.outcomes.append(JobOutcome(at=now, job_id=job, kind=kind))
                    continue  # budget back (refund or slash): the consumer pays nothing for it
                pick.outcomes.append(JobOutcome(at=now, job_id=job, kind=OutcomeKind.SETTLED))
                result.completed += 1
                result.paid += pick.price
                result.prices.append(pick.price)
                break
    return result


def run_simulation(args: argparse.Namespace) -> None:
    common = {
        "providers": args.providers,
        "bad_share": args.bad_share,
        "bad_fail": args.bad_fail,
        "good_fail": args.good_fail,
        "rounds": args.rounds,
        "jobs_per_round": args.jobs_per_round,
        "max_attempts": args.max_attempts,
        "seed": args.seed,
    }
    print(
        f"simulation: {args.providers} providers, {args.bad_share:.0%} failing"
        f" ({args.bad_fail:.0%} of their jobs; others {args.good_fail:.0%}),"
        f" {args.rounds} rounds x {args.jobs_per_round} jobs, up to {args.max_attempts} attempts"
    )
    results = {}
    for name, use in (("price-only", False), ("reputation", True)):
        start = time.perf_counter()
        res = simulate(use_reputation=use, **common)
        elapsed = time.perf_counter() - start
        results[name] = res
        per_job = res.paid / max(1, res.completed)
        print(
            f"  {name:<11} completed {res.completed / res.jobs:7.2%}  failed attempts"
            f" {res.failed_attempts / max(1, res.attempts):6.2%} of {res.attempts}"
            f"  attempt success {1 - res.failed_attempts / max(1, res.attempts):6.2%}"
            f"  price/completed job {per_job:8.1f}  ({elapsed:.1f} s)"
        )
    base, rep = results["price-only"], results["reputation"]
    base_per = base.paid / max(1, base.completed)
    rep_per = rep.paid / max(1, rep.completed)
    print(
        f"  reputation vs price-only: completed {rep.completed - base.completed:+d} jobs,"
        f" failed attempts {rep.failed_attempts - base.failed_attempts:+d},"
        f" extra cost per completed job {rep_per / base_per - 1:+.2%}"
    )


def run_live(kills: int) -> None:
    from gpuc.market.local_market import LocalMarket
    from gpuc.market.plan import MATMUL_RESOURCE, MILLI, MarketPlan, ProviderPlan
    from gpuc.market.waiting import wait_until
    from protocol.failover import FailoverPolicy
    from protocol.pricing import FixedPricing
    from protocol.typed_data import JobStatus

    plan = MarketPlan(
        accounts=12 + kills,  # a fresh account per killed provider (the committee is last)
        dispute_window_s=6,
        accept_window_s=12,
        deadline_grace_s=20,
        agent_heartbeat_s=1.0,
        heartbeat_ttl_s=4.0,
        failover=FailoverPolicy(max_attempts=3, silence_s=3.0),
    )
    samples = []
    with tempfile.TemporaryDirectory() as home, LocalMarket(plan, home=Path(home)) as market:
        opener = market.opener
        assert opener is not None
        for i in range(kills):
            victim = ProviderPlan(
                name=f"victim-{i}",
                account=7 if i == 0 else 8 + i,  # 8 stays free, as in the demo
                matmul=FixedPricing(price_wei=MILLI),
                embeddings=FixedPricing(price_wei=100 * MILLI),
            )
            running = market.start_provider(victim)
            spec = {
                "kind": "matmul",
                "n": 128,
                "seed_a": 900 + i,
                "seed_b": 901 + i,
                "dtype": "float32",
            }
            order = market.submitter.submit(MATMUL_RESOURCE, spec, max_price_wei=30 * MILLI)
            wait_until(  # signed its acceptance (one-transaction open) or accepted on chain
                "the victim to accept",
                lambda r=running: r.events("acceptance_posted") or r.events("job_accepted"),
                30,
                0.05,
            )
            running.child.stop(kill=True)
            died = time.time()
            work = opener.work_of(order.order_id)
            assert work is not None

            def accepted_elsewhere(w=work) -> bool:  # type: ignore[no-untyped-def]
                if w.attempts < 2:
                    return False
                found = [o for o in opener.opened.values() if o.fill.order_id == w.orders[-1]]
                return bool(found) and market.protocol.job(found[0].job_id).status in (
                    JobStatus.ACCEPTED,
                    JobStatus.DELIVERED,
                    JobStatus.SETTLED,
                )

            # The work moves once the victim's job is slashable (deadline + dispute window):
            # the consumer never pays twice (docs/reputation.md).
            wait_until("the work to run elsewhere", accepted_elsewhere, 120, 0.05)
            samples.append(time.time() - died)
            print(f"  kill {i + 1}: running elsewhere after {samples[-1]:.2f} s")
    print(
        f"death -> running elsewhere: p50 {statistics.median(samples):.2f} s"
        f"  max {max(samples):.2f} s  (n={len(samples)}; accept window 12 s, grace 20 s,"
        " dispute window 6 s: the work moves once the dead provider can be slashed)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--providers", type=int, default=1000)
    parser.add_argument("--bad-share", type=float, default=0.10)
    parser.add_argument("--bad-fail", type=float, default=0.9)
    parser.add_argument("--good-fail", type=float, default=0.01)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--jobs-per-round", type=int, default=300)
    parser.add_argument("--max-attempts", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--live", type=int, default=0, metavar="N", help="kills on a live market")
    args = parser.parse_args()
    if not 1 <= args.providers <= 100_000 or not 0 <= args.live <= 20:
        parser.error("--providers must be 1..100000 and --live 0..20")
    run_simulation(args)
    if args.live:
        run_live(args.live)


if __name__ == "__main__":
    main()
