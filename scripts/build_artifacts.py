"""Compile contracts/src with solc-js (through tools/solc and py-solc-x) and write the ABI and
bytecode the Python SDK loads to protocol/artifacts/<Contract>.json.

The same settings as foundry.toml (optimizer 10,000 runs, cancun). Each artifact records a
hash of every source it was built from, so tests can tell when artifacts are stale.

    python scripts/build_artifacts.py          # rebuild
    python scripts/build_artifacts.py --check  # exit 1 if the artifacts are stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.codegen.artifacts_build import CONTRACTS, build_artifacts, stale_artifacts  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report staleness")
    args = parser.parse_args()
    if args.check:
        stale = stale_artifacts(ROOT)
        if stale:
            print("stale artifacts: " + ", ".join(stale) + " — run `make artifacts`")
            return 1
        print(f"artifacts up to date ({len(CONTRACTS)} contracts)")
        return 0
    written = build_artifacts(ROOT)
    for name, path in written.items():
        size = len(json.loads(path.read_text())["deployedBytecode"]) // 2 - 1
        print(f"{name:18s} {size:6d} bytes runtime -> {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
