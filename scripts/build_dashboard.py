"""Vendor the dashboard's chart library (uPlot, pinned, from npm) into
matcher/dashboard/static/vendor/, so the page needs no CDN. Run at install time.

    python scripts/build_dashboard.py          # copy (from node_modules, else npm)
    python scripts/build_dashboard.py --check  # exit 1 if missing or not the pinned build
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matcher.dashboard.errors import VendorError  # noqa: E402
from matcher.dashboard.vendor import (  # noqa: E402
    PACKAGE,
    VENDOR_DIR,
    VERSION,
    missing_or_wrong,
    vendor_assets,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the vendored files")
    args = parser.parse_args()
    if args.check:
        bad = missing_or_wrong()
        if bad:
            print(f"dashboard vendor files missing or wrong: {', '.join(bad)}; run {__file__}")
            return 1
        print(f"dashboard vendor files match {PACKAGE}@{VERSION}")
        return 0
    try:
        source = vendor_assets(ROOT)
    except VendorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{PACKAGE}@{VERSION} -> {VENDOR_DIR.relative_to(ROOT)} ({source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
