"""Run slither on contracts/src the way that works here (design.md §7) and fail loudly.

Plain `slither --solc` finds "0 contracts" and exits 0, so this script compiles with forge
(`--build-info`, through tools/solc), points slither at that output, and fails when slither
analysed fewer contracts than the build holds, or reports a high or medium finding that is
not triaged in contracts/slither-triage.json with a reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "slither"
SLITHER = ROOT / ".venv-slither" / "bin" / "slither"
TRIAGE = ROOT / "contracts" / "slither-triage.json"
PROTOCOL_CONTRACTS = {"GPUCredit", "CreditSale", "ProviderStaking", "OracleCommittee", "JobEscrow"}


# slither calls `forge config` itself, so forge must be on its PATH too.
ENV = {**os.environ, "PATH": f"{ROOT / 'node_modules' / '.bin'}:{os.environ['PATH']}"}


def build() -> int:
    """forge build of contracts/src with build-info; returns how many contracts it holds."""
    shutil.rmtree(OUT, ignore_errors=True)
    subprocess.run(
        [
            "forge",
            "build",
            "--build-info",
            "--out",
            str(OUT / "out"),
            "--cache-path",
            str(OUT / "cache"),
            "contracts/src",
        ],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
    )
    count = 0
    names: set[str] = set()
    for info in (OUT / "out" / "build-info").glob("*.json"):
        contracts = json.loads(info.read_text())["output"]["contracts"]
        for per_file in contracts.values():
            count += len(per_file)
            names.update(per_file)
    missing = PROTOCOL_CONTRACTS - names
    if missing:
        raise SystemExit(f"slither: the build lacks {sorted(missing)}")
    return count


def main() -> int:
    expected = build()
    report = OUT / "report.json"
    proc = subprocess.run(
        [
            str(SLITHER),
            ".",
            "--compile-force-framework",
            "foundry",
            "--foundry-ignore-compile",
            "--foundry-out-directory",
            str(OUT / "out"),
            "--exclude-dependencies",
            "--json",
            str(report),
        ],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
    )
    match = re.search(r"analyzed \((\d+) contracts", proc.stderr)
    analysed = int(match.group(1)) if match else 0
    if analysed < expected:
        print(proc.stderr[-3000:])
        print(f"slither: analysed {analysed} contracts, the build holds {expected}: FAIL")
        return 1
    result = json.loads(report.read_text())
    if not result.get("success"):
        print(f"slither: failed: {result.get('error')}")
        return 1
    triaged = {
        (t["check"], t["contract"], t["element"]) for t in json.loads(TRIAGE.read_text())["triaged"]
    }
    untriaged = []
    counts: dict[str, int] = {}
    for finding in result["results"].get("detectors", []):
        counts[finding["impact"]] = counts.get(finding["impact"], 0) + 1
        if finding["impact"] not in ("High", "Medium"):
            continue
        element = finding["elements"][0]
        parent = element.get("type_specific_fields", {}).get("parent", {}).get("name", "")
        key = (finding["check"], parent or element["name"], element["name"])
        if key not in triaged:
            untriaged.append(f"{finding['impact']} {key}: {finding['description'].strip()}")
    summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
    print(f"slither: analysed {analysed}/{expected} contracts; findings {summary or 'none'}")
    if untriaged:
        print("untriaged high/medium findings (fix or triage in contracts/slither-triage.json):")
        print("\n".join(untriaged))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
