"""Dishonest providers: 1,000 jobs, 10% forged, judged by the real verifiers.

Prints the detection rate (forged jobs judged at fault), the false-slash rate
(honest jobs judged at fault) and a line per forgery. Targets: >= 99% of forged
matmul results caught at k = 20 Freivalds vectors, 0 honest jobs slashed.

Run: .venv/bin/python scripts/sim/dishonest_providers.py [--jobs N] [--forged 0.1]
     [--vectors 20] [--seed 0] [--torch-threads 1]
About 1-2 minutes for 1,000 jobs on this machine (the embedding re-runs dominate).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

# tools/ (the simulations) is not installed: import it from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.sim.dishonest import SimulationConfig, run_simulation


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000)
    parser.add_argument("--forged", type=float, default=0.1, help="fraction of jobs forged")
    parser.add_argument("--vectors", type=int, default=20, help="Freivalds vectors k")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--torch-threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.torch_threads)

    config = SimulationConfig(
        jobs=args.jobs, forged_fraction=args.forged, vectors=args.vectors, seed=args.seed
    )
    started = time.monotonic()

    def progress(done: int) -> None:
        if done % 100 == 0:
            print(f"  {done}/{config.jobs} jobs judged", file=sys.stderr, flush=True)

    report = run_simulation(config, progress=progress)
    seconds = time.monotonic() - started

    print(f"jobs {report.jobs}: {report.honest} honest, {report.forged} forged (seed {args.seed})")
    print(
        f"detection rate    {report.detection_rate:.2%} "
        f"({report.forged_caught}/{report.forged} forged jobs judged at fault)"
    )
    print(
        f"matmul detection  {report.matmul_detection_rate:.2%} "
        f"({report.matmul_caught}/{report.matmul_forged}, k = {config.vectors})"
    )
    print(
        f"false-slash rate  {report.false_slash_rate:.2%} "
        f"({report.honest_slashed}/{report.honest} honest jobs judged at fault)"
    )
    print(f"not judged        {report.not_judged}")
    print(
        f"honest margins    worst Freivalds residual {report.honest_max_band_use:.3f} of the band; "
        f"lowest sampled cosine {report.honest_min_cosine:.5f}"
    )
    for name, tally in report.by_forgery.items():
        print(f"  {tally.caught:>4}/{tally.jobs:<4} caught  {name}")
    print(f"{seconds:.1f} s")
    met = report.matmul_detection_rate >= 0.99 and report.honest_slashed == 0
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
