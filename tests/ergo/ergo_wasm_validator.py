"""Run scripts/ergo/validate_tx.js: ergo-lib-wasm-nodejs's validate_tx, outside Python."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ergo_lib_python.transaction import Transaction

from protocol.ergo.chain_tip import ChainTip
from protocol.ergo.tx_plan import TxPlan

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ergo" / "validate_tx.js"


@dataclass(frozen=True)
class WasmVerdict:
    valid: bool
    error: str | None


def validation_case(tx_json: dict[str, Any], plan: TxPlan, tip: ChainTip) -> dict[str, Any]:
    return {
        "tx": tx_json,
        "boxes_to_spend": [json.loads(b.json()) for b in plan.boxes_to_spend],
        "data_boxes": [json.loads(b.json()) for b in plan.data_boxes],
        "headers": list(tip.headers),
        "pre_header": tip.pre_header_json(),
    }


def tx_json(tx: Transaction) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(tx.json())
    return loaded


def validate_cases(cases: list[dict[str, Any]]) -> list[WasmVerdict]:
    done = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode == 2:
        raise AssertionError(f"validate_tx.js could not read its input: {done.stderr}")
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(lines) == len(cases), done.stderr
    assert (done.returncode == 0) == all(line["valid"] for line in lines)
    return [WasmVerdict(valid=line["valid"], error=line.get("error")) for line in lines]
