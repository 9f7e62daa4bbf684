"""Write protocol/contract_errors.py: one Python exception per Solidity custom error.

Reads the ABIs in protocol/artifacts and the errors' NatSpec in contracts/src and
OpenZeppelin (node_modules), renders with tools.codegen.contract_errors_codegen.

    python scripts/gen_contract_errors.py          # rewrite the module
    python scripts/gen_contract_errors.py --check  # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.codegen.contract_errors_sources import TARGET, render_from_tree  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report staleness")
    args = parser.parse_args()
    text = render_from_tree(ROOT)
    target = ROOT / TARGET
    if args.check:
        if not target.exists() or target.read_text() != text:
            print(f"{TARGET} is stale: run `python scripts/gen_contract_errors.py`")
            return 1
        print(f"{TARGET} is up to date")
        return 0
    target.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
