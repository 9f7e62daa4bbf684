"""How long `gpuc` takes to start: --help, --version and commands' --help (median of N runs).

    .venv/bin/python scripts/bench/cli_startup.py [--runs 7]
    PYTHONPATH=/path/to/other/tree .venv/bin/python scripts/bench/cli_startup.py  # compare

Target (issue 15): --help and simple reads within 0.5 s. Figures depend on the machine's
load; the script prints the load average next to them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

GPUC = Path(sys.executable).with_name("gpuc")


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([str(GPUC), *args], capture_output=True, check=False, timeout=120)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; {runs} runs each")
    for args in (
        ["--help"],
        ["--version"],
        ["job", "--help"],
        ["job", "status", "--help"],
        ["matcher", "key", "list", "--help"],
        ["oracle", "info", "--help"],
        ["provider", "stake", "--help"],
        ["wallet", "--help"],
        ["chain", "up", "--help"],
        ["deploy", "--help"],
        ["up", "--help"],
        ["demo", "--help"],
        ["llm", "serve", "--help"],
        ["gateway", "--help"],
    ):
        times = [timed(args) for _ in range(runs)]
        print(
            f"gpuc {' '.join(args):<26} median {statistics.median(times):.3f} s"
            f"  min {min(times):.3f} s"
        )


if __name__ == "__main__":
    main()
